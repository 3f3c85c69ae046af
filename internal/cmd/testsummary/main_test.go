package main

import (
	"bytes"
	"strings"
	"testing"
)

// Parallel tests interleave their output; each skip keeps its own reason,
// failures show their output, and the closing line counts every test.
func TestSummariseAttributesOutputByTest(t *testing.T) {
	events := `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: needs Terraform >= 1.8.0\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:3: needs Terraform >= 1.10.0\n"}
{"Action":"output","Package":"p","Test":"TestC","Output":"    c_test.go:5: got 1, want 2\n"}
{"Action":"skip","Package":"p","Test":"TestB"}
{"Action":"skip","Package":"p","Test":"TestA"}
{"Action":"fail","Package":"p","Test":"TestC","Elapsed":0.5}
{"Action":"pass","Package":"p","Test":"TestD"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t1.0s\n"}
{"Action":"fail","Package":"p"}
`
	var out bytes.Buffer
	ok, err := summarise(strings.NewReader(events), &out, "tests", "")
	if err != nil || ok {
		t.Fatalf("ok %v, err %v; want a failed run", ok, err)
	}
	text := out.String()
	for _, want := range []string{
		"TestA: a_test.go:3: needs Terraform >= 1.10.0\n",
		"TestB: b_test.go:9: needs Terraform >= 1.8.0\n",
		"--- FAIL: TestC (0.50s)\n    c_test.go:5: got 1, want 2\n",
		"\ntests: 1 passed, 1 failed, 2 skipped\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if !strings.HasSuffix(text, "tests: 1 passed, 1 failed, 2 skipped\n") {
		t.Errorf("the closing line is not last:\n%s", text)
	}
}
