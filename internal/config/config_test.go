package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func noEnv(string) (string, bool) { return "", false }

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAreValid(t *testing.T) {
	cfg, err := Load(Sources{Env: noEnv})
	if err != nil {
		t.Fatalf("Load(defaults): %v", err)
	}
	if cfg.Server.Listen != "127.0.0.1:8080" || cfg.DataDir != "./tend-data" || cfg.Store.URL != "" {
		t.Fatalf("defaults = %+v", cfg)
	}
}

func TestFullFile(t *testing.T) {
	cfg, err := Load(Sources{File: "testdata/full.yaml", Env: noEnv})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		DataDir: "/var/lib/tend",
		Server: Server{Listen: "0.0.0.0:9090", ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 20 * time.Second,
			WriteTimeout: 25 * time.Second, IdleTimeout: time.Minute, ShutdownTimeout: 5 * time.Second, MaxBodyBytes: 2 << 20},
		Store: Store{URL: "postgres://tend@db:5432/tend?sslmode=disable"},
		Log:   Log{Level: "debug", Format: "json"},
	}
	want.Ingest, want.Series, want.Insight, want.Remediation, want.Dynatrace, want.AWS = Default().Ingest, Default().Series, Default().Insight, Default().Remediation, Default().Dynatrace, Default().AWS // sections full.yaml leaves at their defaults
	want.Review = Default().Review
	want.Notify = Default().Notify
	want.Events = Default().Events
	want.Fleet = Default().Fleet
	want.Auth = Default().Auth
	if !reflect.DeepEqual(*cfg, want) {
		t.Fatalf("Load = %+v\nwant %+v", *cfg, want)
	}
}

func TestPrecedence(t *testing.T) {
	// file sets listen and level; env overrides listen and format; flag overrides listen.
	cfg, err := Load(Sources{
		File:  "testdata/full.yaml",
		Env:   envOf(map[string]string{"TEND_SERVER_LISTEN": "127.0.0.1:7000", "TEND_LOG_FORMAT": "text"}),
		Flags: map[string]string{"server.listen": "127.0.0.1:6000"},
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Server.Listen != "127.0.0.1:6000" {
		t.Errorf("listen = %s, want the flag's value", cfg.Server.Listen)
	}
	if cfg.Log.Format != "text" {
		t.Errorf("format = %s, want the env value", cfg.Log.Format)
	}
	if cfg.Log.Level != "debug" {
		t.Errorf("level = %s, want the file value", cfg.Log.Level)
	}
	if cfg.Server.ReadTimeout != 20*time.Second {
		t.Errorf("read_timeout = %s, want the file value", cfg.Server.ReadTimeout)
	}
}

func TestErrorsGolden(t *testing.T) {
	files := []string{"unknown_key.yaml", "wrong_type.yaml", "invalid_values.yaml", "not_mapping.yaml", "syntax.yaml"}
	var b strings.Builder
	for _, f := range files {
		_, err := Load(Sources{File: filepath.Join("testdata", f), Env: noEnv})
		if err == nil {
			t.Errorf("%s: Load succeeded, want an error", f)
			continue
		}
		b.WriteString("== " + f + "\n" + err.Error() + "\n")
	}
	golden := filepath.Join("testdata", "errors.golden")
	if *update {
		os.WriteFile(golden, []byte(b.String()), 0o644)
	}
	want, _ := os.ReadFile(golden)
	if b.String() != string(want) {
		t.Fatalf("errors differ from %s (run with -update to accept):\n%s", golden, b.String())
	}
}

func TestEnvAndFlagErrors(t *testing.T) {
	_, err := Load(Sources{
		Env:       envOf(map[string]string{"TEND_SERVER_READ_TIMEOUT": "forever"}),
		Flags:     map[string]string{"server.max_body_bytes": "big"},
		FlagNames: map[string]string{"server.max_body_bytes": "max-body"},
	})
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 2 {
		t.Fatalf("Load = %v, want two problems", err)
	}
	for _, want := range []string{"environment variable TEND_SERVER_READ_TIMEOUT", "flag --max-body"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	_, err = Load(Sources{Env: envOf(map[string]string{"TEND_LOG_LEVEL": "chatty"})})
	if err == nil || !strings.Contains(err.Error(), "environment variable TEND_LOG_LEVEL: log.level: must be") {
		t.Fatalf("invalid env value error = %v", err)
	}
}

func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "url")
	os.WriteFile(secret, []byte("postgres://tend:hunter2@db/tend\n"), 0o600)
	cfg, err := Load(Sources{Env: envOf(map[string]string{"TEND_STORE_URL_FILE": secret})})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Store.URL.Reveal() != "postgres://tend:hunter2@db/tend" {
		t.Fatalf("url = %q", cfg.Store.URL.Reveal())
	}
	if s := cfg.Store.URL.String(); strings.Contains(s, "hunter2") {
		t.Fatalf("Secret.String leaks: %s", s)
	}
	_, err = Load(Sources{Env: envOf(map[string]string{"TEND_STORE_URL_FILE": secret, "TEND_STORE_URL": "postgres://x"})})
	if err == nil || !strings.Contains(err.Error(), "both set") {
		t.Fatalf("both set: %v", err)
	}
	_, err = Load(Sources{Env: envOf(map[string]string{"TEND_STORE_URL_FILE": filepath.Join(dir, "missing")})})
	if err == nil || !strings.Contains(err.Error(), "store.url_file") {
		t.Fatalf("missing secret file: %v", err)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(Sources{File: "testdata/nope.yaml", Env: noEnv})
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("Load(missing) = %v", err)
	}
}

// TestDocsInSync keeps docs/configuration.md true: every key and its
// environment variable is documented, and nothing documented is unknown.
func TestDocsInSync(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatalf("read docs: %v", err)
	}
	text := string(doc)
	known := map[string]bool{}
	for _, l := range Leaves() {
		known[l.Key] = true
		if !strings.Contains(text, "`"+l.Key+"`") {
			t.Errorf("docs/configuration.md does not document key %s", l.Key)
		}
		if !strings.Contains(text, "`"+l.Env+"`") {
			t.Errorf("docs/configuration.md does not name variable %s", l.Env)
		}
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9_.]+)` \\|")
	for _, m := range row.FindAllStringSubmatch(text, -1) {
		if !known[m[1]] {
			t.Errorf("docs/configuration.md documents %s, which tend does not know", m[1])
		}
	}
}

func FuzzLoadFile(f *testing.F) {
	for _, name := range []string{"full.yaml", "unknown_key.yaml", "wrong_type.yaml", "syntax.yaml"} {
		data, _ := os.ReadFile(filepath.Join("testdata", name))
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(path, data, 0o600)
		cfg, err := Load(Sources{File: path, Env: noEnv})
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}
