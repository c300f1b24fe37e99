package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store/storetest"
)

type echo struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func newTestAPI(t *testing.T, logs io.Writer) (*httptest.Server, string) {
	t.Helper()
	s := storetest.OpenSQLite(t)
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.Create(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	log := logging.Discard()
	if logs != nil {
		log, _ = logging.New(logs, "debug", "json")
	}
	reg := prometheus.NewRegistry()
	a := api.New(api.Options{Logger: log, Store: s, Keys: keys, Registerer: reg, Gatherer: reg, MaxBodyBytes: 2048, Auth: api.AuthOptions{MetricsPublic: true}})
	a.Write("POST /v1/echo", func(w http.ResponseWriter, r *http.Request) {
		var e echo
		if err := api.DecodeJSON(r, &e); err != nil {
			api.WriteError(w, r, err)
			return
		}
		if e.Name == "" {
			api.WriteError(w, r, api.BadRequest("name", "is required"))
			return
		}
		api.WriteJSON(w, http.StatusAccepted, e)
	})
	a.Read("GET /v1/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv, key
}

type errBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func TestWriteEndpoints(t *testing.T) {
	srv, key := newTestAPI(t, nil)
	big := `{"name":"` + strings.Repeat("x", 4000) + `"}`
	tests := []struct {
		name        string
		headers     map[string]string
		body        string
		contentType string
		wantStatus  int
		wantCode    string
		wantField   string
		wantInMsg   string
	}{
		{name: "no key", body: `{"name":"a"}`, wantStatus: 401, wantCode: "unauthorized", wantInMsg: "tend apikey create"},
		{name: "wrong key", headers: map[string]string{"X-API-Key": "tend_abc_" + strings.Repeat("A", 43)}, body: `{"name":"a"}`, wantStatus: 401, wantCode: "unauthorized"},
		{name: "bearer ok", headers: map[string]string{"Authorization": "Bearer " + key}, body: `{"name":"a","count":2}`, wantStatus: 202},
		{name: "x-api-key ok", headers: map[string]string{"X-API-Key": key}, body: `{"name":"a"}`, wantStatus: 202},
		{name: "malformed", headers: map[string]string{"X-API-Key": key}, body: `{"name":`, wantStatus: 400, wantCode: "invalid_request", wantInMsg: "malformed JSON"},
		{name: "wrong type", headers: map[string]string{"X-API-Key": key}, body: `{"name":"a","count":"two"}`, wantStatus: 400, wantField: "count", wantInMsg: "must be a number"},
		{name: "unknown field", headers: map[string]string{"X-API-Key": key}, body: `{"name":"a","colour":1}`, wantStatus: 400, wantField: "colour"},
		{name: "missing field", headers: map[string]string{"X-API-Key": key}, body: `{}`, wantStatus: 400, wantField: "name"},
		{name: "empty", headers: map[string]string{"X-API-Key": key}, body: ``, wantStatus: 400, wantInMsg: "empty"},
		{name: "too large", headers: map[string]string{"X-API-Key": key}, body: big, wantStatus: 413, wantCode: "too_large", wantInMsg: "2048 bytes"},
		{name: "not json", headers: map[string]string{"X-API-Key": key}, body: `a=b`, contentType: "application/x-www-form-urlencoded", wantStatus: 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/v1/echo", strings.NewReader(tt.body))
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.wantStatus, b)
			}
			if resp.Header.Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID header")
			}
			if tt.wantStatus < 400 {
				return
			}
			var eb errBody
			if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil {
				t.Fatalf("error body is not JSON: %v", err)
			}
			if eb.Error.Message == "" || (tt.wantCode != "" && eb.Error.Code != tt.wantCode) ||
				eb.Error.Field != tt.wantField || !strings.Contains(eb.Error.Message, tt.wantInMsg) {
				t.Fatalf("error = %+v, want code %q field %q message containing %q", eb.Error, tt.wantCode, tt.wantField, tt.wantInMsg)
			}
		})
	}
}

func TestRequestIDInLogsAndKeyNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	srv, key := newTestAPI(t, &logs)
	req, _ := http.NewRequest("POST", srv.URL+"/v1/echo", strings.NewReader(`{"name":"a"}`))
	req.Header.Set("X-API-Key", key)
	req.Header.Set("X-Request-ID", "req-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-ID") != "req-42" {
		t.Fatalf("request ID not echoed: %q", resp.Header.Get("X-Request-ID"))
	}
	req, _ = http.NewRequest("GET", srv.URL+"/v1/panic", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("panic status = %d", resp.StatusCode)
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["request_id"] == nil {
			t.Errorf("log line without request_id: %s", line)
		}
		if rec["request_id"] == "req-42" {
			found = true
		}
	}
	if !found {
		t.Error("no log line carries the caller's request ID")
	}
	if strings.Contains(logs.String(), key) || strings.Contains(logs.String(), key[len(key)-20:]) {
		t.Fatal("the API key appears in the logs")
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	srv, key := newTestAPI(t, nil)
	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`, "/metrics": "tend_http_requests_total", "/v1/version": "go_version"} {
		if path == "/metrics" { // make sure a request has been counted
			r, _ := http.Get(srv.URL + "/healthz")
			r.Body.Close()
		}
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if path == "/v1/version" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d %s, want 200 containing %s", path, resp.StatusCode, b, want)
		}
	}
	resp, _ := http.Get(srv.URL + "/nope")
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /nope = %d %s, want a JSON 404", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func FuzzUnmarshalStrict(f *testing.F) {
	f.Add([]byte(`{"name":"a","count":1}`))
	f.Add([]byte(`{"name":`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e echo
		err := api.UnmarshalStrict(data, &e)
		if err != nil {
			var ae *api.Error
			if !errorsAs(err, &ae) || ae.Status != 400 || ae.Message == "" {
				t.Fatalf("UnmarshalStrict error %v is not a 400 *api.Error", err)
			}
		}
	})
}

func errorsAs(err error, target **api.Error) bool {
	e, ok := err.(*api.Error)
	if ok {
		*target = e
	}
	return ok
}
