// Command testsummary reads `go test -json` on standard input and prints what
// a person reads in a test run: package results, failures with their output,
// the lines tests log about themselves, and, at the end (or into -summary),
// every skipped test with its own reason and one closing line
// "LABEL: N passed, N failed, N skipped". Events carry their test's name, so
// parallel tests' output is never attributed to the wrong test. It exits 1
// when anything failed, a build included.
//
// Not gotestsum (v1.13.0): it prints what passing tests log (the leak tests' evidence lines) only in its full -v format, and closes with "DONE N tests, N skipped, N failures", not "N passed, N failed, N skipped".
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// testLog is a line a test logs about itself (t.Log, t.Skip, t.Error).
var testLog = regexp.MustCompile(`^\s+\w+_test\.go:\d+: `)

func main() {
	label := flag.String("label", "tests", "word before the closing counts")
	summary := flag.String("summary", "", "write the skipped list and closing line to this file instead of the end of the output")
	flag.Parse()
	ok, err := summarise(os.Stdin, os.Stdout, *label, *summary)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// summarise reads events from in and reports on stdout (and summaryPath);
// ok is false when a test or a build failed.
func summarise(in io.Reader, stdout io.Writer, label, summaryPath string) (ok bool, err error) {
	out := map[string][]string{} // package/test -> its output lines
	var passed, failed, skipped int
	var skips []string
	bad := false
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(stdout, sc.Text()) // not an event: show it as it is
			continue
		}
		key := e.Package + "/" + e.Test
		switch e.Action {
		case "build-output":
			fmt.Fprint(stdout, e.Output)
		case "build-fail":
			bad = true
		case "output":
			if e.Test != "" {
				out[key] = append(out[key], e.Output)
				if testLog.MatchString(e.Output) {
					fmt.Fprint(stdout, e.Output)
				}
			} else if strings.HasPrefix(e.Output, "ok ") || strings.HasPrefix(e.Output, "FAIL") || strings.HasPrefix(e.Output, "panic:") {
				fmt.Fprint(stdout, e.Output)
			}
		case "pass":
			if e.Test != "" {
				passed++
			}
		case "skip":
			if e.Test != "" {
				skipped++
				skips = append(skips, fmt.Sprintf("%s: %s", e.Test, reason(out[key])))
			}
		case "fail":
			if e.Test == "" {
				bad = true
				continue
			}
			failed++
			fmt.Fprintf(stdout, "--- FAIL: %s (%.2fs)\n", e.Test, e.Elapsed)
			for _, l := range out[key] {
				if !strings.HasPrefix(l, "=== ") {
					fmt.Fprint(stdout, l)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	if err := writeSummary(stdout, summaryPath, label, skips, passed, failed, skipped); err != nil {
		return false, err
	}
	return !bad && failed == 0, nil
}

// writeSummary prints the skipped tests and the closing line, to path or,
// when path is empty, to standard output.
func writeSummary(stdout io.Writer, path, label string, skips []string, passed, failed, skipped int) error {
	w := stdout
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		w = f
	}
	if len(skips) > 0 {
		sort.Strings(skips)
		fmt.Fprintf(w, "\n!!! %d test(s) SKIPPED:\n", len(skips))
		for _, s := range skips {
			fmt.Fprintf(w, "!!!   %s\n", s)
		}
	}
	_, err := fmt.Fprintf(w, "\n%s: %d passed, %d failed, %d skipped\n", label, passed, failed, skipped)
	return err
}

// reason is what a skipped test logged, on one line.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		if strings.HasPrefix(l, "=== ") || strings.HasPrefix(strings.TrimSpace(l), "--- SKIP") {
			continue
		}
		if s := strings.TrimSpace(l); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}
