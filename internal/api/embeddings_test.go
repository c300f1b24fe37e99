package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/vectors"
	"github.com/tendhq/tend/internal/store/storetest"
)

func newEmbeddingAPI(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	s := storetest.OpenSQLite(t)
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.Create(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	vs := vectors.New(s)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	err = vs.Put(context.Background(), []embed.Vector{
		{ImageID: "shoes/red.png", Model: "m1", Checksum: "a", Values: []float32{1, 0, 0}, CreatedAt: at},
		{ImageID: "shoes/pink.png", Model: "m1", Checksum: "b", Values: []float32{0.9, 0.1, 0}, CreatedAt: at},
		{ImageID: "bags/blue.png", Model: "m1", Checksum: "c", Values: []float32{0, 0, 1}, CreatedAt: at},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Store: s, Keys: keys})
	api.RegisterEmbeddings(a, vs, func() time.Time { return at })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv, key
}

func TestEmbeddingEndpoints(t *testing.T) {
	srv, key := newEmbeddingAPI(t)
	cases := []struct {
		name, method, path, body, key string
		wantStatus                    int
		wantField                     string
		wantIn                        string
	}{
		{name: "get", method: "GET", path: "/v1/embeddings/shoes/red.png", wantStatus: 200, wantIn: `"dimension": 3`},
		{name: "get with model", method: "GET", path: "/v1/embeddings/shoes/red.png?model=m1", wantStatus: 200, wantIn: `"data_type": "float32"`},
		{name: "get missing", method: "GET", path: "/v1/embeddings/nope.png", wantStatus: 404},
		{name: "models", method: "GET", path: "/v1/embeddings", wantStatus: 200, wantIn: `"vectors": 3`},
		{name: "search by vector", method: "POST", path: "/v1/embeddings/search", body: `{"vector":[1,0.05,0],"k":2}`, wantStatus: 200, wantIn: `"image_id": "shoes/pink.png"`},
		{name: "search by image", method: "POST", path: "/v1/embeddings/search", body: `{"image_id":"bags/blue.png","k":1}`, wantStatus: 200, wantIn: `"image_id": "bags/blue.png"`},
		{name: "search k", method: "POST", path: "/v1/embeddings/search", body: `{"vector":[1,0,0],"k":5000}`, wantStatus: 400, wantField: "k"},
		{name: "search both", method: "POST", path: "/v1/embeddings/search", body: `{"vector":[1,0,0],"image_id":"x"}`, wantStatus: 400, wantField: "vector"},
		{name: "search dims", method: "POST", path: "/v1/embeddings/search", body: `{"vector":[1,0]}`, wantStatus: 400, wantField: "vector", wantIn: "2 dimensions"},
		{name: "search unknown field", method: "POST", path: "/v1/embeddings/search", body: `{"vec":[1]}`, wantStatus: 400, wantField: "vec"},
		{name: "search unknown model", method: "POST", path: "/v1/embeddings/search", body: `{"vector":[1,0,0],"model":"m9"}`, wantStatus: 404},
		{name: "put needs a key", method: "PUT", path: "/v1/embeddings/new.png", body: `{"model":"m1","vector":[0,1,0]}`, wantStatus: 401},
		{name: "put", method: "PUT", path: "/v1/embeddings/new.png", body: `{"model":"m1","vector":[0,1,0]}`, key: key, wantStatus: 200},
		{name: "put no model", method: "PUT", path: "/v1/embeddings/new.png", body: `{"vector":[0,1,0]}`, key: key, wantStatus: 400, wantField: "model"},
		{name: "put empty vector", method: "PUT", path: "/v1/embeddings/new.png", body: `{"model":"m1","vector":[]}`, key: key, wantStatus: 400, wantField: "vector"},
		{name: "search finds the put", method: "POST", path: "/v1/embeddings/search", body: `{"vector":[0,1,0],"k":1}`, wantStatus: 200, wantIn: `"image_id": "new.png"`},
	}
	for _, c := range cases { // in order: the put precedes the last search
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if c.key != "" {
				req.Header.Set("X-API-Key", c.key)
			} else if !strings.Contains(c.name, "needs a key") {
				req.Header.Set("X-API-Key", key) // reads need a key too
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.wantStatus, body)
			}
			if c.wantIn != "" && !strings.Contains(string(body), c.wantIn) {
				t.Fatalf("body lacks %q: %s", c.wantIn, body)
			}
			if c.wantField != "" {
				var e struct{ Error api.Error }
				if err := json.Unmarshal(body, &e); err != nil || e.Error.Field != c.wantField {
					t.Fatalf("error field %q, want %q: %s", e.Error.Field, c.wantField, body)
				}
			}
		})
	}
}
