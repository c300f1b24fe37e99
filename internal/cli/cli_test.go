package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes tend in-process with args and the given environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	root := newRoot(strings.NewReader(""), &out, &errb, lookup)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	code = 0
	if err != nil {
		errb.WriteString("tend: " + err.Error() + "\n")
		code = 1
	}
	return code, out.String(), errb.String()
}

func TestAPIKeyLifecycle(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TEND_DATA_DIR": dir}
	code, out, errOut := runCLI(t, env, "apikey", "create", "--name", "ops")
	if code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	key := strings.TrimSpace(out)
	if !strings.HasPrefix(key, "tend_") || !strings.Contains(errOut, "cannot show it again") {
		t.Fatalf("create printed %q / %q", out, errOut)
	}
	id := strings.SplitN(key, "_", 3)[1]
	_, out, _ = runCLI(t, env, "apikey", "list")
	if !strings.Contains(out, id) || !strings.Contains(out, "ops") || !strings.Contains(out, "active") || strings.Contains(out, key) {
		t.Fatalf("list = %q", out)
	}
	if code, _, errOut := runCLI(t, env, "apikey", "revoke", id); code != 0 {
		t.Fatalf("revoke: %s", errOut)
	}
	_, out, _ = runCLI(t, env, "apikey", "list")
	if !strings.Contains(out, "revoked") {
		t.Fatalf("list after revoke = %q", out)
	}
	code, _, errOut = runCLI(t, env, "apikey", "revoke", "nosuchkey")
	if code == 0 || !strings.Contains(errOut, "no API key with ID") {
		t.Fatalf("revoke missing = %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, env, "apikey", "create")
	if code == 0 || !strings.Contains(errOut, "name") {
		t.Fatalf("create without name = %d %q", code, errOut)
	}
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("server:\n  listen: 127.0.0.1:9999\nstore:\n  url: postgres://u:hunter2@db/tend\n"), 0o600)
	code, out, errOut := runCLI(t, nil, "config", "validate", good)
	if code != 0 || !strings.Contains(out, "is valid") || !strings.Contains(out, "127.0.0.1:9999") {
		t.Fatalf("validate good = %d %q %q", code, out, errOut)
	}
	if strings.Contains(out, "hunter2") {
		t.Fatal("validate printed a secret")
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("server:\n  listen: 127.0.0.1:9999\n  colour: blue\n"), 0o600)
	code, _, errOut = runCLI(t, nil, "config", "validate", bad)
	if code == 0 || !strings.Contains(errOut, "bad.yaml:3: unknown key \"colour\" in server") {
		t.Fatalf("validate bad = %d %q", code, errOut)
	}
}

func TestServeBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o600)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad flag value", nil, []string{"serve", "--listen", "nonsense", "--data-dir", dir}, "flag --listen: server.listen: must be host:port"},
		{"bad env", map[string]string{"TEND_SERVER_READ_TIMEOUT": "x"}, []string{"serve", "--data-dir", dir}, "environment variable TEND_SERVER_READ_TIMEOUT"},
		{"unwritable data dir", nil, []string{"serve", "--data-dir", filepath.Join(file, "sub")}, "--data-dir"},
		{"unreachable postgres", nil, []string{"serve", "--store", "postgres://u:pw@127.0.0.1:1/x?connect_timeout=2"}, "cannot reach PostgreSQL"},
		{"missing config", nil, []string{"serve", "--config", filepath.Join(dir, "none.yaml")}, "none.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.env, tt.args...)
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr %q; want non-zero and %q", code, errOut, tt.want)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("error is more than one line: %q", errOut)
			}
			if strings.Contains(errOut, "pw@") {
				t.Error("password in error output")
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	code, out, errOut := runCLI(t, map[string]string{"TEND_DATA_DIR": t.TempDir()}, "migrate")
	if code != 0 || !strings.Contains(out, "schema version") || !strings.Contains(out, "0001") {
		t.Fatalf("migrate = %d %q %q", code, out, errOut)
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"apikey", "create", "--help"}, {"migrate", "--help"}} {
		code, out, _ := runCLI(t, nil, args...)
		if code != 0 || !strings.Contains(out, "Examples:") {
			t.Errorf("%v: no examples in help: %s", args, out)
		}
	}
	if code, out, _ := runCLI(t, nil, "completion", "bash"); code != 0 || !strings.Contains(out, "bash completion") {
		t.Error("no bash completion")
	}
}
