package tokencache

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// Why the shared cache could not be used, in the provider's own words. A
// server's error text is never quoted: a hostile Redis can fill it with
// whatever it received (the password of the AUTH it answers, for one). What
// a message may show of an error is a code from a fixed list (WRONGPASS,
// NOAUTH, ...), a system call's own error text, or an address the client
// was sent to, and all of it passes the registry's Sanitize.

// redisCodes are the error codes of Redis' answers that a message may name,
// each with what it means.
var redisCodes = map[string]string{
	"WRONGPASS":   "the server refused the username or password",
	"NOAUTH":      "the server requires a password and none was given",
	"NOPERM":      "the Redis user lacks permission for the cache's commands (GET, SET, EXISTS, DEL, WATCH, MULTI, EXEC, EVALSHA, EVAL)",
	"READONLY":    "the server is a read-only replica",
	"OOM":         "the server is out of memory",
	"LOADING":     "the server is still loading its data",
	"MASTERDOWN":  "the server's primary is down",
	"CLUSTERDOWN": "the cluster is down",
	"TRYAGAIN":    "the cluster is moving the key",
	"BUSY":        "the server is busy running a script",
	"MISCONF":     "the server cannot persist data and refuses writes",
	"NOSCRIPT":    "the server lost the cache's script",
}

// noSentinelPrefix starts go-redis' error when no sentinel could name the
// primary (each unreachable, refusing the password, or not knowing the
// name); the sentinels' own errors are joined under it.
const noSentinelPrefix = "redis: all sentinels specified in configuration are unreachable"

// errAddressRefused is the node guard's refusal (clusterGuard.refuse, redis_cluster.go).
type errAddressRefused struct{ addr string }

func (e *errAddressRefused) Error() string {
	return "refused to connect to " + e.addr + ", outside the configured nodes"
}

// errAuthFailed is an error answer to AUTH or HELLO.
type errAuthFailed struct{ err error }

func (e *errAuthFailed) Error() string { return "failed to authenticate: " + e.err.Error() }
func (e *errAuthFailed) Unwrap() error { return e.err }

// authHook marks the store when the server refuses the connection's
// authentication: the commands that open a connection pass the client's
// hooks too.
type authHook struct{ r *Redis }

func (authHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h authHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		var redisErr redis.Error
		if err != nil && errors.As(err, &redisErr) && (cmd.Name() == "auth" || cmd.Name() == "hello" && redis.IsAuthError(err)) {
			h.r.authFailed.Store(true)
		}
		return err
	}
}

func (authHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// describe classifies err for a warning: authentication failed, a timeout,
// connection refused, TLS, an address refused, or an error answer; never the
// server's own text.
func describe(err error, san *redact.Registry) string {
	var refused *errAddressRefused
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var errno syscall.Errno
	var netErr net.Error
	var redisErr redis.Error
	switch {
	case strings.HasPrefix(err.Error(), noSentinelPrefix):
		// go-redis joins each sentinel's error: the first one says why.
		var first error
		if j, ok := errors.Unwrap(err).(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
			first = j.Unwrap()[0]
		}
		if first == nil {
			return "no sentinel named the primary"
		}
		return "no sentinel named the primary: " + describe(first, san)
	case errors.As(err, &refused):
		return "the cluster sent the client to " + san.Sanitize(refused.addr, 100) + ", which is outside the configured nodes, " +
			"and the client did not connect there; name that node in the URL (?addr=host:port) or its network in cluster_networks " +
			"if it is yours"
	case redis.IsAuthError(err) || errors.As(err, new(*errAuthFailed)):
		return "authentication failed: " + codeMeaning(err, "WRONGPASS")
	case errors.As(err, &unknownCA), errors.As(err, &invalidCert), errors.As(err, &verifyErr):
		return "TLS failed: the server's certificate is not trusted (give its certificate authority in ca_cert_file)"
	case errors.As(err, &hostErr):
		return "TLS failed: the server's certificate is not for the host in the URL"
	case errors.As(err, &recordErr):
		return "TLS failed: the server does not answer in TLS (is it plain redis://?)"
	case errors.As(err, &alertErr), remoteTLSAlert(err):
		return "TLS failed: the server ended the TLS handshake (if it asks for a client certificate, give one in client_cert_file and client_key_file)"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dnsErr):
		return "the host name could not be resolved"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed):
		return "the server closed the connection"
	case errors.As(err, &errno):
		return "network error: " + san.Sanitize(errno.Error(), 80)
	case errors.As(err, &redisErr):
		return "the server answered with an error: " + codeMeaning(err, "")
	case strings.HasPrefix(err.Error(), "redis: "):
		return "the server's answer is not the Redis protocol the client expects"
	}
	return "an unexpected error"
}

// remoteTLSAlert reports whether err is an alert the server sent during or
// right after the handshake (a missing or refused client certificate, in
// TLS 1.3, arrives at the first read). The text tested is Go's own.
func remoteTLSAlert(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "remote error" && opErr.Err != nil && strings.HasPrefix(opErr.Err.Error(), "tls: ")
}

// codeMeaning names a Redis error answer by its code when the code is one
// the provider knows, else generically; fallback is the code assumed when
// the answer carries none the provider knows ("" for none).
func codeMeaning(err error, fallback string) string {
	code := ""
	if msg := err.Error(); msg != "" {
		msg = strings.TrimPrefix(msg, "failed to authenticate: ")
		if f := strings.Fields(msg); len(f) > 0 {
			code = f[0]
		}
	}
	if meaning, ok := redisCodes[code]; ok {
		return meaning + " (" + code + ")"
	}
	if fallback != "" {
		return redisCodes[fallback]
	}
	return "an error code the provider does not know (its text is not shown: a server's text can carry what it was sent)"
}
