package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// handles hold what an open ephemeral resource needs at Close (a pending
// revocation, a running proxy) in the provider process, by a random
// handle: only the handle travels to Terraform as private data, never a
// token or a credential.
type handles[T any] struct {
	mu   sync.Mutex
	open map[string]T
}

// privateSetter and privateGetter are the private data of an ephemeral
// resource's Open response and Close request.
type (
	privateSetter interface {
		SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
	}
	privateGetter interface {
		GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	}
)

type handleData struct {
	ID string `json:"id"`
}

// keep holds v and writes its handle to the private data under key.
func (h *handles[T]) keep(ctx context.Context, priv privateSetter, key string, v T) diag.Diagnostics {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on supported platforms
	id := hex.EncodeToString(b)
	h.mu.Lock()
	if h.open == nil {
		h.open = map[string]T{}
	}
	h.open[id] = v
	h.mu.Unlock()
	data, _ := json.Marshal(handleData{ID: id})
	return priv.SetKey(ctx, key, data)
}

// take removes and returns what the private data's handle under key names;
// false when there is none (nothing was kept, or it was taken already).
func (h *handles[T]) take(ctx context.Context, priv privateGetter, key string, diags *diag.Diagnostics) (T, bool) {
	var zero T
	b, d := priv.GetKey(ctx, key)
	diags.Append(d...)
	var hd handleData
	if len(b) == 0 || json.Unmarshal(b, &hd) != nil {
		return zero, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.open[hd.ID]
	delete(h.open, hd.ID)
	return v, ok
}
