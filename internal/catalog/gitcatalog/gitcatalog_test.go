package gitcatalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
)

const tmplV1 = "Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.small # sized by tend\n"

func git(t *testing.T, gitDir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"--git-dir=" + gitDir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func clock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
}

func open(t *testing.T, cfg Config) *Catalog {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = clock()
	}
	c, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPublishVersionsLatest(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "catalog.git")
	c := open(t, Config{Dir: dir, Init: true})
	if c.Kind() != "git" {
		t.Errorf("Kind = %q", c.Kind())
	}
	if _, err := c.Latest(ctx, "web"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("Latest of unknown product: %v, want ErrNotFound", err)
	}
	v1, err := c.Publish(ctx, "web", catalog.Publish{Template: []byte(tmplV1), Format: catalog.FormatCFNYAML, Description: "Initial version"})
	if err != nil {
		t.Fatal(err)
	}
	if v1.ID != "v1" || v1.Number != 1 || !v1.Active {
		t.Fatalf("v1 = %+v", v1)
	}
	tmplV2 := strings.Replace(tmplV1, "t3.small", "t3.medium", 1)
	desc := "InstanceType t3.small → t3.medium after 3 × CPU_SATURATION on HOST-1 (P-123)"
	v2, err := c.Publish(ctx, "web", catalog.Publish{Template: []byte(tmplV2), Format: catalog.FormatCFNYAML, Description: desc, IdempotencyKey: "run-42/publish"})
	if err != nil {
		t.Fatal(err)
	}
	if v2.ID != "v2" {
		t.Fatalf("second version is %s", v2.ID)
	}
	// Same key: the same version, nothing new.
	again, err := c.Publish(ctx, "web", catalog.Publish{Template: []byte("changed"), Format: catalog.FormatCFNYAML, Description: "retry", IdempotencyKey: "run-42/publish"})
	if err != nil || again.ID != "v2" || string(again.Template) != tmplV2 {
		t.Fatalf("idempotent retry = %+v, %v", again, err)
	}
	vs, err := c.Versions(ctx, "web")
	if err != nil || len(vs) != 2 {
		t.Fatalf("Versions = %d, %v", len(vs), err)
	}
	if vs[0].ID != "v1" || string(vs[0].Template) != tmplV1 || vs[0].Description != "Initial version" {
		t.Errorf("v1 read back: %+v", vs[0])
	}
	if vs[1].Description != desc || vs[1].IdempotencyKey != "run-42/publish" || vs[1].Format != catalog.FormatCFNYAML {
		t.Errorf("v2 read back: %+v", vs[1])
	}
	if !vs[1].CreatedAt.After(vs[0].CreatedAt) {
		t.Errorf("created at %v then %v", vs[0].CreatedAt, vs[1].CreatedAt)
	}
	latest, err := c.Latest(ctx, "web")
	if err != nil || latest.ID != "v2" || string(latest.Template) != tmplV2 {
		t.Fatalf("Latest = %+v, %v", latest, err)
	}
	if got, err := c.Version(ctx, "web", "1"); err != nil || got.ID != "v1" {
		t.Errorf("Version(1) = %+v, %v", got, err)
	}
	if _, err := c.Version(ctx, "web", "v9"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Version(v9): %v", err)
	}
	// The repository is laid out as documented.
	if got := git(t, dir, "ls-tree", "-r", "--name-only", "main"); got != "web/template.yaml" {
		t.Errorf("tree = %q", got)
	}
	if got := git(t, dir, "tag", "--list"); got != "web/v1\nweb/v2" {
		t.Errorf("tags = %q", got)
	}
	msg := git(t, dir, "log", "-1", "--format=%B", "web/v2")
	for _, want := range []string{desc, "Tend-Product: web", "Tend-Version: v2", "Tend-Idempotency-Key: run-42/publish"} {
		if !strings.Contains(msg, want) {
			t.Errorf("commit message lacks %q:\n%s", want, msg)
		}
	}
}

func TestNumericOrderFormatChangeAndDeprecation(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "c.git")
	c := open(t, Config{Dir: dir, Init: true, Branch: "catalog"})
	for i := 1; i <= 11; i++ {
		if _, err := c.Publish(ctx, "api", catalog.Publish{Template: fmt.Appendf(nil, "# %d\n%s", i, tmplV1), Format: catalog.FormatCFNYAML}); err != nil {
			t.Fatal(err)
		}
	}
	// Another product on the same branch is independent.
	if v, err := c.Publish(ctx, "db", catalog.Publish{Template: []byte(`{"Resources":{}}`), Format: catalog.FormatCFNJSON}); err != nil || v.ID != "v1" {
		t.Fatalf("db v1 = %+v, %v", v, err)
	}
	tf := []byte("resource \"aws_instance\" \"api\" {\n  instance_type = \"t3.small\"\n}\n")
	v12, err := c.Publish(ctx, "api", catalog.Publish{Template: tf, Format: catalog.FormatHCL, Description: "Move to Terraform", DeprecatePrevious: true})
	if err != nil || v12.ID != "v12" {
		t.Fatalf("v12 = %+v, %v", v12, err)
	}
	vs, err := c.Versions(ctx, "api")
	if err != nil || len(vs) != 12 {
		t.Fatalf("Versions = %d, %v", len(vs), err)
	}
	for i, v := range vs {
		if v.Number != i+1 {
			t.Fatalf("versions out of order at %d: %s", i, v.ID)
		}
	}
	if vs[10].Active || !vs[9].Active || !vs[11].Active {
		t.Errorf("active flags: v10 %v v11 %v v12 %v", vs[9].Active, vs[10].Active, vs[11].Active)
	}
	if vs[11].Format != catalog.FormatHCL || vs[10].Format != catalog.FormatCFNYAML {
		t.Errorf("formats %s %s", vs[10].Format, vs[11].Format)
	}
	if got := git(t, dir, "ls-tree", "-r", "--name-only", "catalog"); got != "api/template.tf\ndb/template.json" {
		t.Errorf("tree = %q", got)
	}
}

func TestPushToRemote(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	git(t, remote, "init", "--quiet", "--bare", "--initial-branch=main", remote)
	cloneA, cloneB := filepath.Join(root, "a.git"), filepath.Join(root, "b.git")
	for _, d := range []string{cloneA, cloneB} {
		if out, err := exec.Command("git", "clone", "--quiet", "--bare", remote, d).CombinedOutput(); err != nil {
			t.Fatalf("clone: %v %s", err, out)
		}
	}
	a := open(t, Config{Dir: cloneA, Remote: "origin"})
	b := open(t, Config{Dir: cloneB, Remote: "origin"})

	v1, err := a.Publish(ctx, "web", catalog.Publish{Template: []byte(tmplV1), Format: catalog.FormatCFNYAML, Description: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := git(t, remote, "rev-parse", "web/v1^{commit}"); got != git(t, cloneA, "rev-parse", "main") {
		t.Errorf("remote tag at %s", got)
	}
	// A second writer sees v1 through the remote and publishes v2.
	v2, err := b.Publish(ctx, "web", catalog.Publish{Template: []byte(tmplV1 + "# b\n"), Format: catalog.FormatCFNYAML, Description: "from b", IdempotencyKey: "k-b"})
	if err != nil || v1.ID != "v1" || v2.ID != "v2" {
		t.Fatalf("v2 = %+v, %v", v2, err)
	}
	if got := git(t, remote, "tag", "--list"); got != "web/v1\nweb/v2" {
		t.Errorf("remote tags = %q", got)
	}
	// And the first writer continues from v2.
	v3, err := a.Publish(ctx, "web", catalog.Publish{Template: []byte(tmplV1 + "# a\n"), Format: catalog.FormatCFNYAML})
	if err != nil || v3.ID != "v3" {
		t.Fatalf("v3 = %+v, %v", v3, err)
	}
	if got := git(t, remote, "rev-list", "--count", "main"); got != "3" {
		t.Errorf("remote main has %s commits", got)
	}
}

func TestFailedPushLeavesNothing(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	git(t, remote, "init", "--quiet", "--bare", "--initial-branch=main", remote)
	local := filepath.Join(root, "local.git")
	git(t, local, "init", "--quiet", "--bare", "--initial-branch=main", local)
	clk := clock()

	c := open(t, Config{Dir: local, Remote: remote, Now: clk})
	if _, err := c.Publish(ctx, "web", catalog.Publish{Template: []byte("# base\n" + tmplV1), Format: catalog.FormatCFNYAML}); err != nil {
		t.Fatal(err)
	}
	// The remote rejects pushes until the hook is removed.
	hook := filepath.Join(remote, "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho rejected by policy >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := catalog.Publish{Template: []byte(tmplV1), Format: catalog.FormatCFNYAML, Description: "first", IdempotencyKey: "run-7"}
	if _, err := c.Publish(ctx, "web", p); err == nil || !strings.Contains(err.Error(), "rejected by policy") || !strings.Contains(err.Error(), "nothing was published") {
		t.Fatalf("publish to rejecting remote: %v", err)
	}
	// Nothing half-published is left behind.
	if got := git(t, local, "tag", "--list"); got != "web/v1" {
		t.Errorf("local tags after failed push = %q", got)
	}
	if got, want := git(t, local, "rev-parse", "main"), git(t, remote, "rev-parse", "main"); got != want {
		t.Errorf("local main %s was not moved back to %s", got, want)
	}
	if err := os.Remove(hook); err != nil {
		t.Fatal(err)
	}
	v, err := c.Publish(ctx, "web", p)
	if err != nil || v.ID != "v2" {
		t.Fatalf("retry = %+v, %v", v, err)
	}
	if got := git(t, remote, "tag", "--list"); got != "web/v1\nweb/v2" {
		t.Errorf("remote tags after retry = %q", got)
	}
	if got, want := git(t, remote, "rev-parse", "main"), git(t, local, "rev-parse", "main"); got != want {
		t.Errorf("remote main %s, local %s", got, want)
	}
	if got := git(t, local, "tag", "--list"); got != "web/v1\nweb/v2" {
		t.Errorf("local tags after retry = %q (a second version was created)", got)
	}
}

func TestConcurrentPublish(t *testing.T) {
	ctx := context.Background()
	c := open(t, Config{Dir: filepath.Join(t.TempDir(), "c.git"), Init: true})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Publish(ctx, "web", catalog.Publish{Template: []byte(tmplV1), Format: catalog.FormatCFNYAML, IdempotencyKey: fmt.Sprintf("k%d", i%4)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	vs, err := c.Versions(ctx, "web")
	if err != nil || len(vs) != 4 {
		t.Fatalf("4 distinct keys gave %d versions (%v)", len(vs), err)
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	if _, err := Open(ctx, Config{Dir: filepath.Join(root, "nope.git")}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing dir: %v", err)
	}
	work := filepath.Join(root, "work")
	if out, err := exec.Command("git", "init", "--quiet", work).CombinedOutput(); err != nil {
		t.Fatal(err, string(out))
	}
	if _, err := Open(ctx, Config{Dir: filepath.Join(work, ".git")}); err == nil || !strings.Contains(err.Error(), "not a bare repository") {
		t.Errorf("non-bare: %v", err)
	}
	if _, err := Open(ctx, Config{Dir: root}); err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("plain dir: %v", err)
	}
	if _, err := Open(ctx, Config{Dir: filepath.Join(root, "x.git"), Init: true, Branch: "bad..name"}); err == nil {
		t.Error("bad branch accepted")
	}
	c := open(t, Config{Dir: filepath.Join(root, "c.git"), Init: true})
	good := catalog.Publish{Template: []byte(tmplV1), Format: catalog.FormatCFNYAML}
	for name, tc := range map[string]struct {
		product string
		p       catalog.Publish
		want    string
	}{
		"path traversal":  {"../etc", good, "invalid product name"},
		"tag-like":        {"web/v1", good, "invalid product name"},
		"empty template":  {"web", catalog.Publish{Format: catalog.FormatCFNYAML}, "template is empty"},
		"bad format":      {"web", catalog.Publish{Template: []byte("x"), Format: "xml"}, "unsupported format"},
		"key with spaces": {"web", catalog.Publish{Template: []byte("x"), Format: catalog.FormatHCL, IdempotencyKey: "a b"}, "idempotency key"},
		"too large":       {"web", catalog.Publish{Template: make([]byte, MaxTemplateSize+1), Format: catalog.FormatHCL}, "limit"},
	} {
		if _, err := c.Publish(ctx, tc.product, tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if _, err := c.Versions(ctx, "../etc"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Versions of bad name: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Publish(cctx, "web", good); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRedact(t *testing.T) {
	got := redact("fatal: unable to access 'https://bot:ghp_secret@github.com/acme/iac.git/': 403")
	if strings.Contains(got, "ghp_secret") || !strings.Contains(got, "https://***@github.com") {
		t.Errorf("redact = %q", got)
	}
}

func TestTrailers(t *testing.T) {
	desc, tr := splitTrailers("Line one\n\nbody\n\nTend-Product: web\nTend-Version: v3\n")
	if desc != "Line one\n\nbody" || tr["Tend-Version"] != "v3" {
		t.Errorf("got %q %v", desc, tr)
	}
	desc, tr = splitTrailers("Manual change\n\nSee: the ticket\n")
	if desc != "Manual change\n\nSee: the ticket" || len(tr) != 0 {
		t.Errorf("got %q %v", desc, tr)
	}
}

func TestDivergedBranchIsRefused(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	git(t, remote, "init", "--quiet", "--bare", "--initial-branch=main", remote)
	a := open(t, Config{Dir: filepath.Join(root, "a.git"), Init: true, Remote: remote})
	if _, err := a.Publish(ctx, "web", catalog.Publish{Template: []byte(tmplV1), Format: catalog.FormatCFNYAML}); err != nil {
		t.Fatal(err)
	}
	bDir := filepath.Join(root, "b.git")
	b := open(t, Config{Dir: bDir, Init: true, Remote: remote})
	// Someone committed to b's branch directly, unrelated to the remote.
	tree := git(t, bDir, "mktree")
	commit := git(t, bDir, "commit-tree", tree, "-m", "local only")
	git(t, bDir, "update-ref", "refs/heads/main", commit)
	_, err := b.Publish(ctx, "web", catalog.Publish{Template: []byte(tmplV1), Format: catalog.FormatCFNYAML})
	if err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Fatalf("publish on diverged branch: %v", err)
	}
	if got := git(t, remote, "tag", "--list"); got != "web/v1" {
		t.Errorf("remote tags = %q", got)
	}
}

func BenchmarkPublish(b *testing.B) {
	ctx := context.Background()
	c, err := Open(ctx, Config{Dir: filepath.Join(b.TempDir(), "c.git"), Init: true})
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if _, err := c.Publish(ctx, "web", catalog.Publish{Template: fmt.Appendf(nil, "# %d\n%s", i, tmplV1), Format: catalog.FormatCFNYAML, IdempotencyKey: fmt.Sprint("k", i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// A crash after the local commit and before the push leaves an unpushed
// version; the retry with the same key finds it and pushes it.
func TestUnpushedVersionIsPushedOnRetry(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	remote := filepath.Join(root, "remote.git")
	git(t, remote, "init", "--quiet", "--bare", "--initial-branch=main", remote)
	local := filepath.Join(root, "local.git")
	clk := clock()
	p := catalog.Publish{Template: []byte(tmplV1), Format: catalog.FormatCFNYAML, IdempotencyKey: "run-9"}
	// Same repository, remote not yet used: stands in for the crash.
	offline := open(t, Config{Dir: local, Init: true, Now: clk})
	v, err := offline.Publish(ctx, "web", p)
	if err != nil {
		t.Fatal(err)
	}
	online := open(t, Config{Dir: local, Remote: remote, Now: clk})
	again, err := online.Publish(ctx, "web", p)
	if err != nil || again.ID != v.ID || !again.CreatedAt.Equal(v.CreatedAt) {
		t.Fatalf("retry = %+v, %v; want %+v", again, err, v)
	}
	if got := git(t, remote, "tag", "--list"); got != "web/v1" {
		t.Errorf("remote tags = %q", got)
	}
}

func FuzzSplitTrailers(f *testing.F) {
	f.Add("Subject\n\nTend-Product: web\nTend-Version: v1\n")
	f.Add("Subject\n\nbody: text\n")
	f.Add("\n\n")
	f.Fuzz(func(t *testing.T, msg string) {
		desc, tr := splitTrailers(msg)
		if len(desc) > len(msg) {
			t.Fatalf("description longer than message")
		}
		for k := range tr {
			if !strings.HasPrefix(k, "Tend-") {
				t.Fatalf("trailer key %q", k)
			}
		}
	})
}
