package cli

import (
	"strings"
	"testing"
)

func TestAPIKeyScopesAndAccounts(t *testing.T) {
	env := map[string]string{"TEND_DATA_DIR": t.TempDir()}
	code, _, errOut := runCLI(t, env, "apikey", "create", "--name", "team", "--scope", "read", "--scope", "write", "--account", "111122223333,444455556666")
	if code != 0 || !strings.Contains(errOut, "scopes read,write over 111122223333,444455556666") {
		t.Fatalf("create = %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, env, "apikey", "create", "--name", "old-style")
	if code != 0 || !strings.Contains(errOut, "scopes admin over every account") {
		t.Fatalf("create without --scope = %d %q", code, errOut)
	}
	_, out, _ := runCLI(t, env, "apikey", "list")
	for _, want := range []string{"SCOPES", "ACCOUNTS", "read,write", "111122223333,444455556666", "admin", "every account"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--scope", "owner"}, `--scope: unknown scope "owner": use read, write or admin`},
		{[]string{"--account", "a b"}, `--account: account "a b" is not an account id`},
	} {
		code, _, errOut := runCLI(t, env, append([]string{"apikey", "create", "--name", "x"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v = %d %q; want %q", c.args, code, errOut, c.want)
		}
	}
}
