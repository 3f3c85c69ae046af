package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The trace log gives each plugin start and each request's received and
// served lines; the figures are the spans between them, by request.
func TestReadPhasesSpansByRequest(t *testing.T) {
	log := strings.Join([]string{
		`2026-12-06T20:32:32.635Z [DEBUG] provider: starting plugin: path=/tmp/bin/terraform-provider-floor args=["/tmp/bin/terraform-provider-floor"]`,
		`2026-12-06T20:32:32.683Z [TRACE] provider.terraform-provider-floor: Received request: tf_rpc=GetProviderSchema`,
		`2026-12-06T20:32:32.686Z [TRACE] provider.terraform-provider-floor: Served request: tf_rpc=GetProviderSchema`,
		`2026-12-06T20:32:32.690Z [TRACE] provider.terraform-provider-other: Received request: tf_rpc=ReadDataSource`,
		`2026-12-06T20:32:32.750Z [TRACE] provider.terraform-provider-floor: Received request: tf_rpc=ReadDataSource`,
		`2026-12-06T20:32:32.757Z [TRACE] provider.terraform-provider-floor: Served request: tf_rpc=ReadDataSource`,
	}, "\n")
	path := filepath.Join(t.TempDir(), "trace.log")
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	got := readPhases(path, "terraform-provider-floor")
	want := map[string]time.Duration{"start to first RPC": 48 * time.Millisecond, "GetProviderSchema": 3 * time.Millisecond, "ReadDataSource": 7 * time.Millisecond}
	for name, d := range want {
		if len(got[name]) != 1 || got[name][0] != d {
			t.Errorf("%s: got %v, want [%v]", name, got[name], d)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got steps %v, want only %v", got, want)
	}
}

// rpctime's lines are read back by name; the verdict compares each
// measure with the floor's against the 2 ms target.
func TestRPCLogAndVerdict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rpc.log")
	if err := os.WriteFile(path, []byte("ReadDataSource 3500000\nValidateDataResourceConfig 900000\nValidateDataResourceConfig 1100000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	this := summarise(readRPCLog(path), 1)
	if this.perPlan["ValidateDataResourceConfig"] != 2 || this.median["ReadDataSource"] != 3500*time.Microsecond {
		t.Fatalf("got %+v", this)
	}
	floor := steps{median: map[string]time.Duration{"ReadDataSource": time.Millisecond, "ValidateDataResourceConfig": time.Millisecond}}
	traced := steps{median: map[string]time.Duration{}}
	cols := []column{{"a", traced}, {"b", traced}, {"clientcreds", this}, {"floor", floor}}
	if v := verdict("ReadDataSource", cols); v != "untraced +2.5 MISSED" {
		t.Errorf("ReadDataSource: %q", v)
	}
	if v := verdict("ValidateDataResourceConfig", cols); v != "untraced +0.1 met" {
		t.Errorf("ValidateDataResourceConfig: %q", v)
	}
}
