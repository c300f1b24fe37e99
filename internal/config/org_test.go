package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOrgAndAuthValidation(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"unknown parent", "org:\n  accounts: [{id: \"111\", parent: ou-x}]\n", `org.accounts[0].parent: "ou-x" is not root or an OU of org.units`},
		{"cycle", "org:\n  units: [{id: a, parent: b}, {id: b, parent: a}]\n", `org.units[0].parent: OU "a" would be inside itself`},
		{"duplicate", "org:\n  units: [{id: a}]\n  accounts: [{id: a}]\n", `org.accounts[0].id: "a" is also org.units[0]`},
		{"bad id", "org:\n  accounts: [{id: \"a b\"}]\n", `org.accounts[0].id: "a b" is not an account id`},
		{"admin not an account", "org:\n  delegated_admin: \"999\"\n", `org.delegated_admin: "999" is not an account of org.accounts`},
		{"proxy without cidrs", "auth:\n  proxy:\n    header: X-Forwarded-User\n", "auth.proxy.trusted_cidrs: is required"},
		{"bad cidr", "auth:\n  proxy:\n    trusted_cidrs: [10.0.0.0]\n", `auth.proxy.trusted_cidrs: "10.0.0.0" is not a CIDR`},
		{"bad scope", "auth:\n  proxy:\n    scopes: [owner]\n", `auth.proxy.scopes: unknown scope "owner"`},
		{"session", "auth:\n  session_ttl: 1s\n", "auth.session_ttl: must be a duration from 1m to 720h"},
		{"login failures", "auth:\n  login_limit:\n    failures: -1\n", "auth.login_limit.failures: must be from 1 to 10000 failed attempts, or 0 for no limit (got -1)"},
		{"login window", "auth:\n  login_limit:\n    window: 0s\n", "auth.login_limit.window: must be a duration from 1s to 24h"},
		{"login addresses", "auth:\n  login_limit:\n    max_addresses: 0\n", "auth.login_limit.max_addresses: must be from 1 to 10000000 addresses (got 0)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tend.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(Sources{File: path})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "ok.yaml")
	ok := "org:\n  units: [{id: ou-prod, name: Production}, {id: ou-eu, parent: ou-prod}]\n  accounts: [{id: \"111122223333\", name: shop, parent: ou-eu}]\n  delegated_admin: \"111122223333\"\n"
	if err := os.WriteFile(path, []byte(ok), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		if k == "TEND_ORG_ACCOUNTS" {
			return `[{"id":"111122223333","name":"shop","parent":"ou-prod"}]`, true
		}
		return "", false
	}
	cfg, err := Load(Sources{File: path, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Org.Units) != 2 || cfg.Org.Accounts[0].Parent != "ou-prod" || cfg.Org.DelegatedAdmin != "111122223333" {
		t.Fatalf("org = %+v", cfg.Org)
	}
}
