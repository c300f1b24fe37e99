package devopsguru

import (
	"context"
	"regexp"
	"slices"

	"github.com/tendhq/tend/internal/access"
)

// The organisation operations see across accounts: they need a principal
// that sees every account or the organisation's delegated administrator
// (internal/access); a member key gets AccessDeniedException. AccountIds
// and OrganizationalUnitIds narrow the view; an OU means the accounts
// directly under it (nested OUs must be chosen themselves).

var ouPattern = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)

// orgAccounts checks the caller may use an organisation operation and
// resolves the filters to accounts (nil: the whole organisation). max is
// the model's limit on each list.
func (h *Handler) orgAccounts(ctx context.Context, p access.Principal, accounts, ous []string, max int) ([]string, *Error) {
	if !p.AllAccounts() && !p.OrgAdmin {
		return nil, accessDenied("User: %s is not the organisation's delegated administrator and does not see every account: use the account operations (ListInsights …) for its own accounts", p.KeyID)
	}
	if len(accounts) > max {
		return nil, invalid("AccountIds", "Member must have length less than or equal to %d", max)
	}
	if len(ous) > max {
		return nil, invalid("OrganizationalUnitIds", "Member must have length less than or equal to %d", max)
	}
	if len(accounts) > 0 && len(ous) > 0 {
		return nil, invalidCombination("OrganizationalUnitIds", "give AccountIds or OrganizationalUnitIds, not both")
	}
	for _, a := range accounts {
		if !access.ValidAccount(a) {
			return nil, invalid("AccountIds", "%q is not an account id", a)
		}
	}
	if len(accounts) > 0 {
		return accounts, nil
	}
	if len(ous) == 0 {
		return nil, nil
	}
	nodes, err := h.o.Store.Org().Nodes(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "list the organisation", "err", err)
		return nil, internal()
	}
	var out []string
	for _, ou := range ous {
		if len(ou) > 68 || !ouPattern.MatchString(ou) {
			return nil, invalid("OrganizationalUnitIds", "Member must satisfy regular expression pattern: ^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
		}
		found := false
		for _, n := range nodes {
			if n.ID == ou && n.Kind == "ou" {
				found = true
			}
			if n.Kind == "account" && n.Parent == ou && !slices.Contains(out, n.ID) {
				out = append(out, n.ID)
			}
		}
		if !found {
			return nil, invalid("OrganizationalUnitIds", "%s is not an organisational unit tend knows (see tend org list)", ou)
		}
	}
	if out == nil {
		out = []string{} // an OU without accounts: nothing
	}
	return out, nil
}

// ouOf returns the OU directly above each account.
func (h *Handler) ouOf(ctx context.Context) map[string]string {
	nodes, err := h.o.Store.Org().Nodes(ctx)
	if err != nil {
		return nil
	}
	m := map[string]string{}
	for _, n := range nodes {
		if n.Kind == "account" && ouPattern.MatchString(n.Parent) {
			m[n.ID] = n.Parent
		}
	}
	return m
}

func (h *Handler) listOrganizationInsights(ctx context.Context, c *call) (any, *Error) {
	var req ListInsightsRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	q, e := h.listQueryFromStatus(req)
	if e != nil {
		return nil, e
	}
	max, e := checkMax("MaxResults", req.MaxResults, 1, 100, 100)
	if e != nil {
		return nil, e
	}
	accounts, e := h.orgAccounts(ctx, c.p, req.AccountIds, req.OrganizationalUnitIds, 1)
	if e != nil {
		return nil, e
	}
	if accounts != nil && len(accounts) == 0 {
		return ListInsightsResponse{ProactiveInsights: []InsightSummary{}, ReactiveInsights: []InsightSummary{}}, nil
	}
	q.f.Accounts = accounts
	out, e := h.runList(ctx, c, q, "ListOrganizationInsights", max, req.NextToken, true)
	if e != nil {
		return nil, e
	}
	resp := out.(ListInsightsResponse)
	ous := h.ouOf(ctx)
	for i := range resp.ReactiveInsights {
		resp.ReactiveInsights[i].OrganizationalUnitId = ous[resp.ReactiveInsights[i].AccountId]
	}
	for i := range resp.ProactiveInsights {
		resp.ProactiveInsights[i].OrganizationalUnitId = ous[resp.ProactiveInsights[i].AccountId]
	}
	return resp, nil
}

func (h *Handler) searchOrganizationInsights(ctx context.Context, c *call) (any, *Error) {
	var req SearchInsightsRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if len(req.AccountIds) == 0 {
		return nil, invalid("AccountIds", "Member must have length greater than or equal to 1")
	}
	q, e := h.searchQuery(req)
	if e != nil {
		return nil, e
	}
	max, e := checkMax("MaxResults", req.MaxResults, 1, 100, 100)
	if e != nil {
		return nil, e
	}
	accounts, e := h.orgAccounts(ctx, c.p, req.AccountIds, nil, 1)
	if e != nil {
		return nil, e
	}
	q.f.Accounts = accounts
	return h.runList(ctx, c, q, "SearchOrganizationInsights", max, req.NextToken, false)
}

// orgFilter is the filter of the organisation's health and overview.
type orgFilter struct {
	AccountIds            []string   `json:"AccountIds"`
	OrganizationalUnitIds []string   `json:"OrganizationalUnitIds"`
	FromTime              *Timestamp `json:"FromTime"`
	ToTime                *Timestamp `json:"ToTime"`
}

func (h *Handler) describeOrganizationHealth(ctx context.Context, c *call) (any, *Error) {
	var req orgFilter
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	accounts, e := h.orgAccounts(ctx, c.p, req.AccountIds, req.OrganizationalUnitIds, 5)
	if e != nil {
		return nil, e
	}
	out, e := h.health(ctx, c.p, accounts)
	if e != nil {
		return nil, e
	}
	return out, nil
}

func (h *Handler) describeOrganizationOverview(ctx context.Context, c *call) (any, *Error) {
	var req orgFilter
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	accounts, e := h.orgAccounts(ctx, c.p, req.AccountIds, req.OrganizationalUnitIds, 5)
	if e != nil {
		return nil, e
	}
	if accounts != nil && len(accounts) == 0 {
		if req.FromTime == nil {
			return nil, invalid("FromTime", "Member must not be null")
		}
		return map[string]int{"ReactiveInsights": 0, "ProactiveInsights": 0}, nil
	}
	r, p, _, e := h.overview(ctx, c.p, req.FromTime, req.ToTime, accounts)
	if e != nil {
		return nil, e
	}
	return map[string]int{"ReactiveInsights": r, "ProactiveInsights": p}, nil
}

var orgCollectionTypes = []string{"AWS_CLOUD_FORMATION", "AWS_SERVICE", "AWS_ACCOUNT", "AWS_TAGS"}

func (h *Handler) describeOrganizationResourceCollectionHealth(ctx context.Context, c *call) (any, *Error) {
	var req struct {
		OrganizationResourceCollectionType string   `json:"OrganizationResourceCollectionType"`
		AccountIds                         []string `json:"AccountIds"`
		OrganizationalUnitIds              []string `json:"OrganizationalUnitIds"`
		NextToken                          string   `json:"NextToken"`
		MaxResults                         *int     `json:"MaxResults"`
	}
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if !slices.Contains(orgCollectionTypes, req.OrganizationResourceCollectionType) {
		return nil, invalid("OrganizationResourceCollectionType", "Member must satisfy enum value set: [AWS_CLOUD_FORMATION, AWS_SERVICE, AWS_ACCOUNT, AWS_TAGS]")
	}
	max, e := checkMax("MaxResults", req.MaxResults, 1, 500, 500)
	if e != nil {
		return nil, e
	}
	accounts, e := h.orgAccounts(ctx, c.p, req.AccountIds, req.OrganizationalUnitIds, 5)
	if e != nil {
		return nil, e
	}
	if accounts != nil && len(accounts) == 0 {
		accounts = []string{"\x00none"} // an OU without accounts matches nothing
	}
	return h.serveCollectionHealth(ctx, c, req.OrganizationResourceCollectionType, accounts, max, req.NextToken, true)
}
