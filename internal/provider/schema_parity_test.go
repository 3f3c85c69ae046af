package provider

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// A data source and its ephemeral twin agree attribute by attribute: same
// type, same modes, same sensitivity, same description. Only the ephemeral
// token adds revocation. (The descriptions of the whole differ on purpose:
// one says the token is kept in state, the other that it never is.)
func TestSchemaParityOfTwins(t *testing.T) {
	data, eph := providerSchemas(t)
	extra := map[string][]string{"clientcreds_token": {"revoke_on_close", "revocation_url"}}
	for name, ds := range data {
		es, ok := eph[name]
		if !ok {
			t.Errorf("%s has no ephemeral twin", name)
			continue
		}
		eattrs := map[string]int{}
		for i, a := range es.Block.Attributes {
			eattrs[a.Name] = i
		}
		for _, da := range ds.Block.Attributes {
			i, ok := eattrs[da.Name]
			if !ok {
				t.Errorf("%s.%s is missing from the ephemeral schema", name, da.Name)
				continue
			}
			ea := es.Block.Attributes[i]
			if !reflect.DeepEqual(*da, *ea) {
				t.Errorf("%s.%s differs:\n data source %+v\n ephemeral   %+v", name, da.Name, *da, *ea)
			}
			delete(eattrs, da.Name)
		}
		for n := range eattrs {
			if !slices.Contains(extra[name], n) {
				t.Errorf("%s.%s is only in the ephemeral schema", name, n)
			}
		}
	}
	if len(data) < 2 {
		t.Errorf("only %d data sources", len(data))
	}
}

// Defaults in descriptions are written from the constants the code uses.
func TestDurationDocWritesDefaultsAsUsersDo(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Second: "`30s`", 2 * time.Minute: "`2m`", 24 * time.Hour: "`24h`",
		90 * time.Second: "`1m30s`", time.Second: "`1s`"} {
		if got := durationDoc(d); got != want {
			t.Errorf("durationDoc(%v) = %s, want %s", d, got, want)
		}
	}
}
