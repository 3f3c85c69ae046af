package ciserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// An AWS workload, as STS GetWebIdentityToken names it: the account's
// issuer and the role's ARN as the subject.
const (
	AWSIssuer      = "https://0123456789ab-cdef-4012-3456-789abcdef012.tokens.sts.global.api.aws"
	AWSSubject     = "arn:aws:iam::123456789012:role/ci-deployer"
	AWSRegion      = "eu-west-1"
	AWSAccessKeyID = "AKIAIOSFODNN7EXAMPLE"
	AWSSecretKey   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
	// ContainerToken is the authorization token ECS and EKS Pod Identity
	// give a container for its credentials endpoint.
	ContainerToken   = "aws-container-auth-token-Rt5yU6iO7"
	awsSTSPath       = "/sts/"
	awsContainerPath = "/ecs/credentials"
	stsErrorContent  = "text/xml"
)

// STSEnv points the AWS SDK's default chain at this server's STS (through
// AWS_ENDPOINT_URL_STS, as users do) with static credentials, and keeps it
// off the machine's own profiles and instance metadata.
func (s *Server) STSEnv() []string {
	return []string{"AWS_ENDPOINT_URL_STS=" + s.URL + awsSTSPath, "AWS_REGION=" + AWSRegion, "AWS_ACCESS_KEY_ID=" + AWSAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + AWSSecretKey, "AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_CONFIG_FILE=/nonexistent/aws-config",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent/aws-credentials", "AWS_EC2_METADATA_DISABLED=true", "AWS_CA_BUNDLE="}
}

// ContainerEnv is the environment of an ECS task or an EKS pod with Pod
// Identity: the credentials endpoint and its authorization token, and no
// static credentials.
func (s *Server) ContainerEnv() []string {
	return []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + s.URL + awsContainerPath, "AWS_CONTAINER_AUTHORIZATION_TOKEN=" + ContainerToken,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="}
}

// container answers the container credentials endpoint as ECS and EKS Pod
// Identity do: this server's key for the right Authorization, refused
// otherwise with the header echoed (as a careless endpoint might).
func (s *Server) container(w http.ResponseWriter, r *http.Request) {
	s.record(Request{Platform: "aws_container", Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization")})
	if r.Header.Get("Authorization") != ContainerToken {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "AccessDenied",
			"message": "the authorization token " + r.Header.Get("Authorization") + " is not this container's"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"AccessKeyId": AWSAccessKeyID, "SecretAccessKey": AWSSecretKey,
		"Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
}

// sts answers GetWebIdentityToken as AWS documents it (the query protocol:
// a form POST, an XML answer) after checking the request's Signature
// Version 4 against the secret key: a request signed otherwise is refused
// with SignatureDoesNotMatch.
func (s *Server) sts(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	form, _ := url.ParseQuery(string(body))
	s.record(Request{Platform: "aws", Method: r.Method, Path: r.URL.Path, Audience: form.Get("Audience.member.1"),
		Flavor: form.Get("SigningAlgorithm") + " " + form.Get("DurationSeconds"), ContentType: r.Header.Get("Content-Type")})
	if err := verifySigV4(r, body); err != nil {
		stsError(w, http.StatusForbidden, "SignatureDoesNotMatch", err.Error())
		return
	}
	if form.Get("Action") != "GetWebIdentityToken" || form.Get("Version") != "2011-06-15" {
		stsError(w, http.StatusBadRequest, "InvalidAction", "unknown action")
		return
	}
	aud, alg := form.Get("Audience.member.1"), form.Get("SigningAlgorithm")
	if aud == "" || (alg != "RS256" && alg != "ES384") {
		stsError(w, http.StatusBadRequest, "ValidationError", "Audience and a SigningAlgorithm of RS256 or ES384 are required")
		return
	}
	tok, err := s.sign(AWSIssuer, AWSSubject, aud)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = fmt.Fprintf(w, `<GetWebIdentityTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetWebIdentityTokenResult>`+
		`<WebIdentityToken>%s</WebIdentityToken><Expiration>%s</Expiration></GetWebIdentityTokenResult>`+
		`<ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></GetWebIdentityTokenResponse>`,
		tok, time.Now().Add(s.opts.Lifetime).UTC().Format(time.RFC3339))
}

func stsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", stsErrorContent)
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code>`+
		`<Message>%s</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c8</RequestId></ErrorResponse>`, code, msg)
}

// verifySigV4 signs a copy of the request (its signed headers only) with
// the known key, at the time and scope the request claims, and compares.
func verifySigV4(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("not a Signature Version 4 request")
	}
	parts := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[k] = v
	}
	scope := strings.Split(parts["Credential"], "/")
	if len(scope) != 5 || scope[0] != AWSAccessKeyID || scope[3] != "sts" || scope[4] != "aws4_request" {
		return fmt.Errorf("the credential scope %q is not this key's for sts", parts["Credential"])
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || time.Since(at).Abs() > 5*time.Minute {
		return fmt.Errorf("the request's X-Amz-Date is missing or too far from now")
	}
	copyReq, err := http.NewRequestWithContext(context.Background(), r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	for _, h := range strings.Split(parts["SignedHeaders"], ";") {
		if h != "host" && h != "content-length" {
			copyReq.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: AWSAccessKeyID, SecretAccessKey: AWSSecretKey, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, copyReq, hex.EncodeToString(sum[:]), "sts", scope[2], at); err != nil {
		return err
	}
	want := copyReq.Header.Get("Authorization")
	if want != auth {
		return fmt.Errorf("the request signature we calculated does not match the signature you provided")
	}
	return nil
}
