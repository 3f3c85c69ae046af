package tokencache

import (
	"context"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// Tiered is several stores read in order (the first hit wins) and written
// together: the local disk before a shared Redis, say. It locks with the
// first store that can.
type Tiered []oauth.TokenStore

// Load returns the first store's entry for k.
func (t Tiered) Load(k oauth.StoreKey, now time.Time) (*oauth.Token, bool) {
	for _, s := range t {
		if tok, ok := s.Load(k, now); ok {
			return tok, true
		}
	}
	return nil, false
}

// Save writes the entry to every store; the first error is returned.
func (t Tiered) Save(k oauth.StoreKey, tok *oauth.Token) error {
	var first error
	for _, s := range t {
		if err := s.Save(k, tok); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Lock locks with the first store that locks.
func (t Tiered) Lock(ctx context.Context, k oauth.StoreKey) (func(), bool) {
	for _, s := range t {
		if l, ok := s.(oauth.StoreLocker); ok {
			return l.Lock(ctx, k)
		}
	}
	return nil, false
}

// Forget drops the entry from every store that can; the first error is
// returned.
func (t Tiered) Forget(k oauth.StoreKey, accessToken string) error {
	var first error
	for _, s := range t {
		if f, ok := s.(oauth.StoreForgetter); ok {
			if err := f.Forget(k, accessToken); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}
