package provider

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
)

// Twenty CI jobs on twenty machines (twenty terraform processes with empty
// local state) and one Redis, turned on by the environment alone: one token
// request in all.
func TestAccSharedCacheTwentyRunsOneToken(t *testing.T) {
	t.Parallel()
	rs := testredis.Start(t, testredis.Options{})
	srv := startServer(t, authserver.Options{Latency: 300 * time.Millisecond})
	config := fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
output "expires_in" {
  value = data.clientcreds_token.t.expires_in
}
`, srv.TokenURL(), testSecret)
	runs := make([]*cli, 20)
	for i := range runs {
		runs[i] = newCLI(t, "1.0.0", config)
	}
	env := []string{"CLIENTCREDS_CACHE_REDIS_URL=" + rs.URL}
	outs := make([]string, len(runs))
	var wg sync.WaitGroup
	for i, c := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.exec(env, "plan", "-input=false", "-no-color")
			if err != nil {
				t.Errorf("run %d: %v\n%s", i, err, out)
			}
			outs[i] = out
		}()
	}
	wg.Wait()
	if n := len(srv.TokenRequests()); n != 1 {
		t.Errorf("20 concurrent plans made %d token requests; want 1", n)
	}
	for i, out := range outs {
		if strings.Contains(out, "Shared Token Cache Unavailable") {
			t.Errorf("run %d warned:\n%s", i, out)
		}
	}
}

// A Redis that refuses the password: the plan succeeds, with one warning
// that names the cause and not the password.
func TestAccSharedCacheWrongPasswordWarns(t *testing.T) {
	t.Parallel()
	const password = "redis-pw-Hx8c2Nq5"
	rs := testredis.Start(t, testredis.Options{Password: password})
	srv := startServer(t, authserver.Options{})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
provider "clientcreds" {
  cache {
    redis {
      url          = %q
      password_env = "FLEET_REDIS_PASSWORD"
    }
  }
}
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
`, rs.URL, srv.TokenURL(), testSecret))
	out := c.run([]string{"FLEET_REDIS_PASSWORD=wrong-" + password}, "plan", "-input=false", "-no-color")
	if !phrase("Shared Token Cache Unavailable", "WRONGPASS", "tokens are requested from the server directly").MatchString(out) {
		t.Errorf("no warning naming the cause:\n%s", out)
	}
	if strings.Contains(out, password) {
		t.Errorf("the output shows the password:\n%s", out)
	}
	if n := len(srv.TokenRequests()); n != 1 {
		t.Errorf("%d token requests; want 1", n)
	}
}

// A hostile Redis answers AUTH with the password it received (reversed,
// where no sanitiser can know it) after text of its own: the plan succeeds,
// and the warning says, in the provider's words, that authentication
// failed, quoting nothing of the server's answer.
func TestAccSharedCacheHostileAuthAnswerNotQuoted(t *testing.T) {
	t.Parallel()
	const password = "redis-pw-Rv5Kd8Wm2Tq"
	const marker = "HOSTILE-SERVER-TEXT"
	reversed := []byte(password)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	fake := testredis.StartFake(t, "127.0.0.1", func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "HELLO", "AUTH":
			pw := []byte(cmd[len(cmd)-1])
			for i, j := 0, len(pw)-1; i < j; i, j = i+1, j-1 {
				pw[i], pw[j] = pw[j], pw[i]
			}
			return testredis.Error("WRONGPASS " + marker + " you sent " + string(pw))
		}
		return testredis.Error("NOAUTH " + marker)
	})
	srv := startServer(t, authserver.Options{})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
provider "clientcreds" {
  cache {
    redis {
      url          = %q
      password_env = "FLEET_REDIS_PASSWORD"
    }
  }
}
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
`, fake.URL, srv.TokenURL(), testSecret))
	out := c.run([]string{"FLEET_REDIS_PASSWORD=" + password}, "plan", "-input=false", "-no-color")
	if !fake.Received(password) {
		t.Fatalf("the fake Redis never received the password; commands %q", fake.Commands())
	}
	if !phrase("Shared Token Cache Unavailable", "authentication failed", "tokens are requested from the server directly").MatchString(out) {
		t.Errorf("no warning that authentication failed:\n%s", out)
	}
	for _, leak := range []string{marker, password, string(reversed), "you sent"} {
		if strings.Contains(out, leak) {
			t.Errorf("the output quotes the server (%q):\n%s", leak, out)
		}
	}
	if n := len(srv.TokenRequests()); n != 1 {
		t.Errorf("%d token requests; want 1", n)
	}
}
