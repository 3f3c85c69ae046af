package provider

import (
	"crypto/rand"
	"encoding/hex"
	"sync"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// revocations holds the revocations pending between an ephemeral token's
// Open and Close, in the provider process only, so that neither the token
// nor the client's credentials travel back to Terraform as private data.
type revocations struct {
	mu      sync.Mutex
	pending map[string]oauth.RevokeRequest
}

func (r *revocations) put(req oauth.RevokeRequest) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on supported platforms
	id := hex.EncodeToString(b)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[string]oauth.RevokeRequest{}
	}
	r.pending[id] = req
	return id
}

func (r *revocations) take(id string) (oauth.RevokeRequest, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	req, ok := r.pending[id]
	delete(r.pending, id)
	return req, ok
}
