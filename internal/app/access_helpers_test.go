package app

import (
	"context"
	"net/http"
	"testing"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/apikey"
)

// authGet is http.Get with "Authorization: Bearer key" (every endpoint but
// /healthz, /readyz and /metrics needs a credential).
func authGet(url, key string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	return http.DefaultClient.Do(req)
}

// readKey creates a key with the read scope.
func readKey(t testing.TB, a *App) string {
	t.Helper()
	_, key, err := a.Keys().CreateWith(context.Background(), apikey.Spec{Name: "reader", Scopes: []access.Scope{access.Read}})
	if err != nil {
		t.Fatal(err)
	}
	return key
}
