package cli

import (
	"strings"
	"testing"
)

func TestOrgCommands(t *testing.T) {
	env := map[string]string{"TEND_DATA_DIR": t.TempDir()}
	ok := func(args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, env, append([]string{"org"}, args...)...)
		if code != 0 {
			t.Fatalf("org %v: %s", args, errOut)
		}
		return out
	}
	fails := func(want string, args ...string) {
		t.Helper()
		code, _, errOut := runCLI(t, env, append([]string{"org"}, args...)...)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("org %v = %d %q; want an error with %q", args, code, errOut, want)
		}
	}
	ok("add-ou", "ou-prod", "--name", "Production")
	ok("add-ou", "ou-eu", "--name", "Europe", "--parent", "ou-prod")
	ok("add-account", "111122223333", "--name", "shop", "--parent", "ou-prod")
	ok("add-account", "444455556666", "--name", "pay", "--parent", "ou-eu")
	ok("add-account", "999988887777", "--name", "ops")
	fails(`no OU "ou-nope"`, "add-account", "123", "--parent", "ou-nope")
	fails("inside itself", "move", "ou-prod", "--to", "ou-eu")
	fails("still has", "remove", "ou-prod")
	fails("not in the organisation", "set-admin", "000000000000")
	fails("is not an account id", "add-account", "a b")
	ok("move", "444455556666", "--to", "ou-prod")
	ok("set-admin", "999988887777")
	out := ok("list")
	for _, want := range []string{"root", "├── OU ou-prod (Production)", "│   ├── OU ou-eu (Europe)", "111122223333 (shop)", "999988887777 (ops)  [delegated administrator since"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if out := ok("list", "--json"); !strings.Contains(out, `"account": "999988887777"`) {
		t.Errorf("list --json:\n%s", out)
	}
	ok("set-admin", "--none")
	if out := ok("list"); strings.Contains(out, "delegated administrator") {
		t.Errorf("admin still shown:\n%s", out)
	}
}
