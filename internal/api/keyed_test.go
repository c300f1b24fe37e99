package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/tendhq/tend/internal/apikey"
)

// keyedReads wraps h so that GET requests without a credential carry key:
// for tests about what endpoints answer, not about authentication (the
// route table test in internal/app covers that for every route).
func keyedReads(h http.Handler, key string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("Authorization") == "" && r.Header.Get("X-API-Key") == "" {
			r.Header.Set("Authorization", "Bearer "+key)
		}
		h.ServeHTTP(w, r)
	})
}

func mustKey(t *testing.T, keys *apikey.Keys) string {
	t.Helper()
	_, key, err := keys.Create(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	return key
}
