package tokencache_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// echoingRedis is a hostile Redis: it answers HELLO and AUTH with an error
// that carries what it was sent, the password among it, whole and in part,
// after a marker of its own that no warning may show.
const hostileMarker = "HOSTILE-SERVER-TEXT"

// With plain, it echoes the password only reversed, a form no sanitiser
// can know.
func echoingRedis(t *testing.T, code string, plain bool) *testredis.Fake {
	return testredis.StartFake(t, "127.0.0.1", func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "HELLO", "AUTH":
			pw := cmd[len(cmd)-1]
			if plain {
				return testredis.Error(code + " " + hostileMarker + " reversed " + reverse(pw))
			}
			return testredis.Error(code + " " + hostileMarker + " you sent " + strings.Join(cmd, " ") +
				" first half " + pw[:len(pw)/2] + " spaced " + strings.Join(strings.Split(pw, ""), " ") + " reversed " + reverse(pw))
		}
		return testredis.Error("NOAUTH " + hostileMarker + " authenticate first")
	})
}

// A Redis that answers AUTH with the password it received: the warning says
// that authentication failed, in the provider's words, and shows nothing of
// the server's answer.
func TestRedisAuthErrorTextIsNeverQuoted(t *testing.T) {
	const password = "redis-pw-Echo7Tq3Lw9"
	for _, tc := range []struct {
		code  string
		plain bool
	}{{"WRONGPASS", false}, {"ERR", false}, {"WRONGPASS", true}, {"ERR", true}} {
		t.Run(fmt.Sprintf("%s/reversed-only=%v", tc.code, tc.plain), func(t *testing.T) {
			fake := echoingRedis(t, tc.code, tc.plain)
			ts := startTokenServer(t, 0, false)
			c, store := machine(t, tokencache.RedisOptions{URL: fake.URL, Password: password})
			if _, err := c.Token(context.Background(), oauth.TokenRequest{TokenURL: ts.url, ClientID: redisClientID,
				ClientSecret: oauth.Inline(redisSecret)}); err != nil {
				t.Fatalf("the run failed: %v", err)
			}
			if !fake.Received(password) {
				t.Fatalf("the fake never got the password; commands %q", fake.Commands())
			}
			w := store.Warning()
			if !strings.Contains(w, "authentication failed") || !strings.Contains(w, "tokens are requested from the server directly") {
				t.Errorf("warning %q; want it to say authentication failed", w)
			}
			for _, leak := range []struct{ label, text string }{
				{"the server's marker", hostileMarker}, {"the password", password}, {"the password's first half", password[:len(password)/2]},
				{"the server's words", "you sent"}, {"the password spaced out", "E c h o"}, {"the password reversed", reverse(password)},
			} {
				if strings.Contains(w, leak.text) {
					t.Errorf("the warning quotes the server: it holds %s", leak.label) // not the warning: it holds the leak
				}
			}
		})
	}
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// A server that never answers, or answers what is not Redis: the warning
// says so in the provider's words.
func TestRedisWarningClassifiesSilenceAndGarbage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
		want   string
	}{
		{"silent", "", "timed out"},
		{"garbage", "HTTP/1.1 400 Bad Request " + hostileMarker + "\r\n\r\n", "not the Redis protocol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close() })
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						buf := make([]byte, 4096)
						for {
							if _, err := c.Read(buf); err != nil {
								return
							}
							if tc.answer != "" {
								_, _ = c.Write([]byte(tc.answer))
							}
						}
					}()
				}
			}()
			store, err := tokencache.NewRedis(tokencache.RedisOptions{URL: "redis://" + l.Addr().String(), Timeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			store.Load(oauth.StoreKey{Fingerprint: []byte("fp"), Secret: []byte(redisSecret), Salt: []byte("s")}, time.Now())
			w := store.Warning()
			if !strings.Contains(w, tc.want) || strings.Contains(w, hostileMarker) {
				t.Errorf("warning %q; want it to say %q and quote nothing", w, tc.want)
			}
		})
	}
}
