package app

import (
	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/config"
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
	}
}

// Routes lists the HTTP routes with the scope each needs (the route table
// test walks it).
func (a *App) Routes() []api.RouteInfo { return a.api.Routes() }
