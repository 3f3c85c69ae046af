// Command demoserver runs the project's local authorization server for
// `make demo`: discovery at /identity, a token endpoint, revocation and a
// protected API, on 127.0.0.1 only. It writes its issuer URL to -url-file
// once listening and serves until interrupted.
//
// With -call URL it is instead the demo's API client: it sends the token in
// the TOKEN environment variable to URL as a Bearer token and prints the
// answer, so the demo needs no curl.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	urlFile := flag.String("url-file", "", "file to write the issuer URL to once listening")
	clientID := flag.String("client-id", "demo-client", "the one client's ID")
	secretEnv := flag.String("secret-env", "DEMO_CLIENT_SECRET", "environment variable holding the client's secret")
	call := flag.String("call", "", "call this protected API URL with the token in $TOKEN, print the answer, and exit")
	flag.Parse()
	if *call != "" {
		os.Exit(callAPI(*call, os.Getenv("TOKEN")))
	}

	secret := os.Getenv(*secretEnv)
	if secret == "" {
		log.Fatalf("demoserver: set %s to the client secret", *secretEnv)
	}
	srv, err := authserver.StartOn(*addr, authserver.Options{
		Clients:    map[string]string{*clientID: secret},
		IssuerPath: "/identity",
		ExpiresIn:  43200,
	})
	if err != nil {
		log.Fatalf("demoserver: %v", err)
	}
	defer srv.Close()
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(srv.Issuer+"\n"), 0o600); err != nil {
			log.Fatalf("demoserver: %v", err)
		}
	}
	fmt.Fprintf(os.Stderr, "demoserver: issuer %s, protected API %s/api/whoami\n", srv.Issuer, srv.URL)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	n := len(srv.TokenRequests())
	fmt.Fprintf(os.Stderr, "demoserver: stopping after %d discovery, %d token and %d revocation requests\n", srv.DiscoveryRequests(), n, len(srv.Revoked()))
}

func callAPI(url, token string) int {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	fmt.Printf("HTTP %d %s", resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
