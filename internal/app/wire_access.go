package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/store"
)

// authOptions turns auth.* into the API's authentication options
// (validated while decoding, so parsing cannot fail here).
func authOptions(c config.Auth) api.AuthOptions {
	scopes, _ := access.ParseScopes(c.Proxy.Scopes)
	accounts, _ := access.ParseAccounts(c.Proxy.Accounts)
	return api.AuthOptions{
		AnonymousRead: c.AnonymousRead, MetricsPublic: c.MetricsPublic,
		SessionTTL: c.SessionTTL, SecureCookie: c.SecureCookie,
		ProxyHeader: c.Proxy.Header, ProxyTrusted: c.Proxy.ProxyCIDRs(),
		ProxyScopes: scopes, ProxyAccounts: accounts,
		FailureLimit: c.LoginLimit.Failures, FailureWindow: c.LoginLimit.Window, FailureAddresses: c.LoginLimit.MaxAddresses,
	}
}

// Routes lists the HTTP routes with the scope each needs (the route table
// test walks it).
func (a *App) Routes() []api.RouteInfo { return a.api.Routes() }

func init() { builders = append(builders, buildOrg) }

// buildOrg adds the organisation declared in org.* to the store: OUs
// (parents first), accounts (added, renamed or moved), and the delegated
// administrator (its time kept when it is already the one).
func buildOrg(ctx context.Context, a *App) error {
	c := a.cfg.Org
	o := a.store.Org()
	nodes, err := o.Nodes(ctx)
	if err != nil {
		return fmt.Errorf("read the organisation: %w", err)
	}
	have := map[string]store.OrgNode{}
	for _, n := range nodes {
		have[n.ID] = n
	}
	now := a.now().UTC()
	parent := func(p string) string {
		if p == "" {
			return store.RootOU
		}
		return p
	}
	// Units in an order where each parent comes first (validated acyclic).
	pending := slices.Clone(c.Units)
	for len(pending) > 0 {
		progress := false
		for i := 0; i < len(pending); i++ {
			u := pending[i]
			p := parent(u.Parent)
			if _, ok := have[p]; !ok && p != store.RootOU {
				continue
			}
			name := cmp.Or(u.Name, u.ID)
			if cur, ok := have[u.ID]; ok {
				if cur.Parent != p {
					if err := o.Move(ctx, u.ID, p); err != nil {
						return fmt.Errorf("org.units: move %s under %s: %w", u.ID, p, err)
					}
				}
			} else if err := o.AddOU(ctx, store.OrgNode{ID: u.ID, Name: name, Parent: p, CreatedAt: now}); err != nil {
				return fmt.Errorf("org.units: add %s: %w", u.ID, err)
			}
			have[u.ID] = store.OrgNode{ID: u.ID, Kind: "ou", Parent: p}
			pending = slices.Delete(pending, i, i+1)
			i--
			progress = true
		}
		if !progress {
			return fmt.Errorf("org.units: %s: its parent is not an OU", pending[0].ID)
		}
	}
	for _, acc := range c.Accounts {
		n := store.OrgNode{ID: acc.ID, Name: cmp.Or(acc.Name, acc.ID), Parent: parent(acc.Parent), CreatedAt: now}
		if cur, ok := have[n.ID]; ok && cur.Kind == "account" && cur.Name == n.Name && cur.Parent == n.Parent {
			continue
		}
		if err := o.AddAccount(ctx, n); err != nil {
			return fmt.Errorf("org.accounts: add %s: %w", n.ID, err)
		}
	}
	if c.DelegatedAdmin != "" {
		cur, err := o.Admin(ctx)
		if err != nil {
			return err
		}
		if cur.Account != c.DelegatedAdmin {
			if err := o.SetAdmin(ctx, c.DelegatedAdmin, now); err != nil {
				return fmt.Errorf("org.delegated_admin: %w", err)
			}
		}
	}
	return nil
}
