package devopsguru_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dg "github.com/aws/aws-sdk-go-v2/service/devopsguru"
	"github.com/aws/aws-sdk-go-v2/service/devopsguru/types"

	"github.com/tendhq/tend/internal/store"
)

// TestOrganization: the delegated administrator sees the organisation's
// insights created since it became administrator, filtered by account or
// by OU (accounts directly under it only).
func TestOrganization(t *testing.T) {
	ts := startTend(t)
	ts.seed(t, 30) // 111111111111 and (every 5th) 222222222222, one a minute from base
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	org := ts.app.Store().Org()
	for _, n := range []store.OrgNode{
		{ID: "ou-ab12-prodprod", Name: "prod", Kind: "ou", Parent: store.RootOU},
		{ID: "ou-ab12-nestednest", Name: "nested", Kind: "ou", Parent: "ou-ab12-prodprod"},
	} {
		if err := org.AddOU(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []store.OrgNode{
		{ID: "111111111111", Name: "shop", Kind: "account", Parent: "ou-ab12-prodprod"},
		{ID: "222222222222", Name: "deep", Kind: "account", Parent: "ou-ab12-nestednest"},
		{ID: "333333333333", Name: "admin", Kind: "account", Parent: store.RootOU},
	} {
		if err := org.AddAccount(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	// Administrator since the 10th minute: insights 10..29 only.
	if err := org.SetAdmin(ctx, "333333333333", ts.base.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	id, secret := ts.key(t, []string{"read"}, "333333333333")
	c := sdkClient(ts.endpoint, id, secret)
	any := &types.ListInsightsStatusFilter{Any: &types.ListInsightsAnyStatusFilter{Type: types.InsightTypeReactive,
		StartTimeRange: &types.StartTimeRange{FromTime: aws.Time(ts.base.Add(-time.Hour))}}}

	count := func(in *dg.ListOrganizationInsightsInput) ([]types.ReactiveOrganizationInsightSummary, error) {
		var all []types.ReactiveOrganizationInsightSummary
		p := dg.NewListOrganizationInsightsPaginator(c, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			all = append(all, out.ReactiveInsights...)
		}
		return all, nil
	}
	all, err := count(&dg.ListOrganizationInsightsInput{StatusFilter: any, MaxResults: aws.Int32(7)})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 20 {
		t.Fatalf("the administrator sees %d insights, want the 20 created since it became administrator", len(all))
	}
	for _, in := range all {
		if *in.Id < "ins-0010" || in.AccountId == nil {
			t.Fatalf("%s (account %v) is older than the administrator", *in.Id, in.AccountId)
		}
		if *in.AccountId == "111111111111" && aws.ToString(in.OrganizationalUnitId) != "ou-ab12-prodprod" {
			t.Fatalf("%s: OU %v", *in.Id, in.OrganizationalUnitId)
		}
	}
	byOU, err := count(&dg.ListOrganizationInsightsInput{StatusFilter: any, OrganizationalUnitIds: []string{"ou-ab12-prodprod"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range byOU {
		if *in.AccountId != "111111111111" {
			t.Fatalf("OU prod lists %s of %s, an account of a nested OU", *in.Id, *in.AccountId)
		}
	}
	if len(byOU) != 16 { // 10..29 without 10, 15, 20, 25
		t.Fatalf("OU prod: %d insights, want 16", len(byOU))
	}
	byAccount, err := count(&dg.ListOrganizationInsightsInput{StatusFilter: any, AccountIds: []string{"222222222222"}})
	if err != nil || len(byAccount) != 4 {
		t.Fatalf("account 222222222222: %d insights, %v", len(byAccount), err)
	}
	// The model allows one account or one OU per list call, five for health.
	if _, err := count(&dg.ListOrganizationInsightsInput{StatusFilter: any, AccountIds: []string{"111111111111", "222222222222"}}); apiCode(err) != "ValidationException" {
		t.Fatalf("two accounts: %v", err)
	}
	if _, err := c.DescribeOrganizationHealth(ctx, &dg.DescribeOrganizationHealthInput{AccountIds: strings.Fields("1 2 3 4 5 6")}); apiCode(err) != "ValidationException" {
		t.Fatalf("six accounts: %v", err)
	}
	if _, err := count(&dg.ListOrganizationInsightsInput{StatusFilter: any, OrganizationalUnitIds: []string{"ou-zz99-unknownou"}}); apiCode(err) != "ValidationException" {
		t.Fatalf("unknown OU: %v", err)
	}
	h, err := c.DescribeOrganizationHealth(ctx, &dg.DescribeOrganizationHealthInput{OrganizationalUnitIds: []string{"ou-ab12-prodprod"}})
	if err != nil {
		t.Fatal(err)
	}
	// Ongoing among 10..29 of 111111111111: 16 minus the closed 14, 21, 28.
	if h.OpenReactiveInsights != 13 {
		t.Fatalf("organisation health: %+v", h)
	}
	ov, err := c.DescribeOrganizationOverview(ctx, &dg.DescribeOrganizationOverviewInput{FromTime: aws.Time(ts.base.Add(-time.Hour))})
	if err != nil || ov.ReactiveInsights != 20 || ov.ProactiveInsights != 0 {
		t.Fatalf("organisation overview: %+v %v", ov, err)
	}
	rc, err := c.DescribeOrganizationResourceCollectionHealth(ctx, &dg.DescribeOrganizationResourceCollectionHealthInput{
		OrganizationResourceCollectionType: types.OrganizationResourceCollectionTypeAwsAccount})
	if err != nil || len(rc.Account) != 2 {
		t.Fatalf("per account health: %+v %v", rc, err)
	}
}
