package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/logging"
)

// org.* is added to the store at start; a second start with a changed
// tree moves what moved and keeps the administrator's time.
func TestOrgFromConfig(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.Org = config.Org{
		Units:          []config.OrgNode{{ID: "ou-eu", Parent: "ou-prod"}, {ID: "ou-prod", Name: "Production"}},
		Accounts:       []config.OrgNode{{ID: "111", Name: "shop", Parent: "ou-eu"}, {ID: "999", Name: "ops"}},
		DelegatedAdmin: "999",
	}
	tree := func() (string, string) {
		a, err := app.New(ctx, cfg, app.Options{Logger: logging.Discard()})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Stop(ctx)
		nodes, err := a.Store().Org().Nodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		adm, err := a.Store().Org().Admin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(nodes), adm.Account + "@" + adm.Since.String()
	}
	first, admin1 := tree()
	cfg.Org.Accounts[0].Parent = "ou-prod"
	second, admin2 := tree()
	if first == second || admin1 != admin2 || admin1[:4] != "999@" {
		t.Fatalf("first %s %s\nsecond %s %s", first, admin1, second, admin2)
	}
	t.Logf("%s", second)
}
