package api_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/review"
	"github.com/tendhq/tend/internal/store/storetest"
)

const vulnerable = "from flask import request\nimport os\n\ndef ping():\n    os.system('ping ' + request.args['host'])\n"

func tarball(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func newReviewAPI(t *testing.T, roots []string) (*httptest.Server, string) {
	t.Helper()
	s := storetest.OpenSQLite(t)
	keys := apikey.New(s.APIKeys(), nil)
	_, key, err := keys.Create(context.Background(), "ci")
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Options{Logger: logging.Discard(), Store: s, Keys: keys, MaxBodyBytes: 1 << 20})
	api.RegisterReviews(a, review.NewService(review.ServiceOptions{Store: s.Reviews(), Repositories: roots}), s.Reviews())
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv, key
}

func do(t *testing.T, method, url, key, ct string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestReviewsTarballAndGate(t *testing.T) {
	srv, key := newReviewAPI(t, nil)
	tgz := tarball(t, map[string]string{"svc/ping.py": vulnerable, "README": "x", "../evil.py": "x"})
	// a path that leaves the archive is refused
	code, body := do(t, "POST", srv.URL+"/v1/reviews?product=shop", key, "application/gzip", tgz)
	if code != 400 || !strings.Contains(body["error"].(map[string]any)["message"].(string), "leaves the archive") {
		t.Fatalf("escaping archive: %d %v", code, body)
	}
	tgz = tarball(t, map[string]string{"svc/ping.py": vulnerable, "README": "x"})
	if code, _ := do(t, "POST", srv.URL+"/v1/reviews?product=shop", "", "application/gzip", tgz); code != 401 {
		t.Fatalf("without a key: %d, want 401", code)
	}
	code, body = do(t, "POST", srv.URL+"/v1/reviews?product=shop&version=4", key, "application/gzip", tgz)
	if code != 201 {
		t.Fatalf("POST: %d %v", code, body)
	}
	counts := body["counts"].(map[string]any)
	findings := body["findings"].([]any)
	if counts["high"].(float64) != 1 || len(findings) != 1 || findings[0].(map[string]any)["file"] != "svc/ping.py" || body["version"].(float64) != 4 {
		t.Fatalf("review %v", body)
	}
	id := body["id"].(string)
	code, got := do(t, "GET", srv.URL+"/v1/reviews/"+id, key, "", nil)
	if code != 200 || len(got["findings"].([]any)) != 1 {
		t.Fatalf("GET one: %d %v", code, got)
	}
	code, list := do(t, "GET", srv.URL+"/v1/reviews?product=shop", key, "", nil)
	if code != 200 || len(list["reviews"].([]any)) != 1 {
		t.Fatalf("GET list: %d %v", code, list)
	}
	code, gate := do(t, "GET", srv.URL+"/v1/reviews/gate?product=shop&block_on_review=high", key, "", nil)
	if code != 200 || gate["blocked"] != true || gate["review"] != id {
		t.Fatalf("gate high: %d %v", code, gate)
	}
	code, gate = do(t, "GET", srv.URL+"/v1/reviews/gate?product=shop&block_on_review=critical", key, "", nil)
	if code != 200 || gate["blocked"] != false {
		t.Fatalf("gate critical: %d %v", code, gate)
	}
	code, gate = do(t, "GET", srv.URL+"/v1/reviews/gate?product=blog&block_on_review=high", key, "", nil)
	if code != 200 || gate["blocked"] != false || !strings.Contains(gate["reason"].(string), "no review") {
		t.Fatalf("gate without review: %d %v", code, gate)
	}
	code, body = do(t, "GET", srv.URL+"/v1/reviews/gate?product=shop&block_on_review=severe", key, "", nil)
	if code != 400 || body["error"].(map[string]any)["field"] != "block_on_review" {
		t.Fatalf("bad severity: %d %v", code, body)
	}
}

func TestReviewsErrors(t *testing.T) {
	srv, key := newReviewAPI(t, nil)
	for _, tc := range []struct {
		name, url, ct, body, field string
	}{
		{"no product", "/v1/reviews", "application/gzip", string(tarball(t, map[string]string{"a.py": "x = 1\n"})), "product"},
		{"not a tar", "/v1/reviews?product=p", "application/x-tar", "hello", "body"},
		{"no sources", "/v1/reviews?product=p", "application/gzip", string(tarball(t, map[string]string{"a.txt": "x"})), "body"},
		{"git refused", "/v1/reviews", "application/json", `{"product":"p","repository":"/tmp","ref":"main"}`, "repository"},
		{"json without repository", "/v1/reviews", "application/json", `{"product":"p"}`, "repository"},
		{"unknown field", "/v1/reviews", "application/json", `{"product":"p","repo":"x"}`, "repo"},
		{"bad version", "/v1/reviews?product=p&version=x", "application/gzip", "", "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, "POST", srv.URL+tc.url, key, tc.ct, []byte(tc.body))
			if code != 400 {
				t.Fatalf("%d %v, want 400", code, body)
			}
			if f := body["error"].(map[string]any)["field"]; f != tc.field {
				t.Fatalf("field %v, want %s: %v", f, tc.field, body)
			}
		})
	}
}

func TestReviewsGitRef(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root := t.TempDir()
	repo := filepath.Join(root, "shop")
	run := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	run("init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(repo, "ping.py"), []byte(vulnerable), 0o644); err != nil {
		t.Fatal(err)
	}
	run("add", "ping.py")
	run("commit", "-q", "-m", "v1")
	srv, key := newReviewAPI(t, []string{root})
	code, body := do(t, "POST", srv.URL+"/v1/reviews", key, "application/json", []byte(`{"product":"shop","repository":"`+repo+`","ref":"main"}`))
	if code != 201 || body["source"] != "git" || body["ref"] != "main" || body["counts"].(map[string]any)["high"].(float64) != 1 {
		t.Fatalf("git review: %d %v", code, body)
	}
	code, body = do(t, "POST", srv.URL+"/v1/reviews", key, "application/json", []byte(`{"product":"shop","repository":"`+repo+`","ref":"nope"}`))
	if code != 400 || body["error"].(map[string]any)["field"] != "ref" {
		t.Fatalf("unknown ref: %d %v", code, body)
	}
	code, body = do(t, "POST", srv.URL+"/v1/reviews", key, "application/json", []byte(`{"product":"shop","repository":"/etc","ref":"main"}`))
	if code != 400 || body["error"].(map[string]any)["field"] != "repository" {
		t.Fatalf("outside the roots: %d %v", code, body)
	}
}
