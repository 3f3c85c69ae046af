package identity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// cliTimeout bounds one run of a platform's command line tool.
const cliTimeout = time.Minute

// runCLI runs a platform's command line tool and returns what it printed,
// the token. need says what the job must enable, for the errors, which name
// the command that ran (its arguments hold no secret) and the last line it
// wrote to stderr, never its output.
func runCLI(ctx context.Context, need, name string, args ...string) (string, error) {
	shown := showCommand(name, args)
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("the command `%s` could not run: %s is not on the PATH. %s", shown, name, need)
	}
	ctx, cancel := context.WithTimeout(ctx, cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr capped
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		why := err.Error()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			why = fmt.Sprintf("no answer within %s", cliTimeout)
		}
		if last := lastLine(stderr.String()); last != "" {
			why += `, saying "` + last + `"`
		}
		return "", fmt.Errorf("the command `%s` failed (%s). %s", shown, why, need)
	}
	if stdout.over {
		return "", fmt.Errorf("the command `%s` printed more than %d bytes, which no identity token needs", shown, maxCLIOutput)
	}
	return strings.TrimSpace(stdout.String()), nil
}

const maxCLIOutput = 64 << 10

// capped keeps the first maxCLIOutput bytes written to it.
type capped struct {
	bytes.Buffer
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := maxCLIOutput - c.Len(); len(p) > room {
		c.over = true
		c.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.Buffer.Write(p)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if len(l) > 200 {
		l = l[:200] + "…"
	}
	return l
}

// showCommand writes a command as a shell would take it.
func showCommand(name string, args []string) string {
	parts := []string{name}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'{}$*?;&|<>()\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
