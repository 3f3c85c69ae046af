// Command apicall is the demo's API client: it calls the protected API at
// the URL given with "Authorization: Bearer $TOKEN" and prints the status
// and the answer, exiting 1 unless it is 200. examples/demo/main.tf runs it
// from a provisioner, with the ephemeral token in the environment: the token
// is never an argument, so no process listing shows it.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: TOKEN=... apicall URL")
		os.Exit(2)
	}
	os.Exit(call(os.Args[1], os.Getenv("TOKEN")))
}

func call(url, token string) int {
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
