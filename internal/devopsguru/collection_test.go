package devopsguru_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dg "github.com/aws/aws-sdk-go-v2/service/devopsguru"
	"github.com/aws/aws-sdk-go-v2/service/devopsguru/types"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/devopsguru"
)

// TestResourceCollection: GetResourceCollection shows tend's coverage and
// UpdateResourceCollection changes what the detection stage analyses, kept
// across a restart.
func TestResourceCollection(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	a, err := app.New(ctx, &cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	keys, err := devopsguru.OpenKeys(a.Store().(awsKeyStore).AWSKeys(), cfg.DataDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin, adminSecret, _ := keys.Create(ctx, "admin", []string{"admin"}, nil)
	reader, readerSecret, _ := keys.Create(ctx, "reader", []string{"read"}, nil)
	c := sdkClient(srv.URL+devopsguru.Prefix, admin.AccessKeyID, adminSecret)
	rc := sdkClient(srv.URL+devopsguru.Prefix, reader.AccessKeyID, readerSecret)

	get := func(c *dg.Client, typ types.ResourceCollectionType) *types.ResourceCollectionFilter {
		t.Helper()
		out, err := c.GetResourceCollection(ctx, &dg.GetResourceCollectionInput{ResourceCollectionType: typ})
		if err != nil {
			t.Fatal(err)
		}
		return out.ResourceCollection
	}
	update := func(action types.UpdateResourceCollectionAction, stacks []string, tags []types.UpdateTagCollectionFilter) error {
		in := &dg.UpdateResourceCollectionInput{Action: action, ResourceCollection: &types.UpdateResourceCollectionFilter{Tags: tags}}
		if stacks != nil {
			in.ResourceCollection.CloudFormation = &types.UpdateCloudFormationCollectionFilter{StackNames: stacks}
		}
		_, err := c.UpdateResourceCollection(ctx, in)
		return err
	}
	if got := get(rc, types.ResourceCollectionTypeAwsCloudFormation); len(got.CloudFormation.StackNames) != 1 || got.CloudFormation.StackNames[0] != "*" {
		t.Fatalf("default coverage: %+v", got.CloudFormation)
	}
	if _, err := rc.UpdateResourceCollection(ctx, &dg.UpdateResourceCollectionInput{Action: types.UpdateResourceCollectionActionAdd,
		ResourceCollection: &types.UpdateResourceCollectionFilter{CloudFormation: &types.UpdateCloudFormationCollectionFilter{StackNames: []string{"shop"}}}}); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("a read key changing the coverage: %v", err)
	}
	if err := update(types.UpdateResourceCollectionActionAdd, []string{"shop", "cart"}, nil); err != nil {
		t.Fatal(err)
	}
	if cov := a.Watcher().Coverage(); cov.Mode != "stacks" || len(cov.Stacks) != 2 {
		t.Fatalf("the detection stage analyses %+v", cov)
	}
	if err := update(types.UpdateResourceCollectionActionRemove, []string{"cart"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := get(c, types.ResourceCollectionTypeAwsCloudFormation); len(got.CloudFormation.StackNames) != 1 || got.CloudFormation.StackNames[0] != "shop" {
		t.Fatalf("after REMOVE cart: %+v", got.CloudFormation.StackNames)
	}
	// Errors name the field.
	for name, c := range map[string]struct {
		stacks []string
		tags   []types.UpdateTagCollectionFilter
		action types.UpdateResourceCollectionAction
	}{
		"tag key without devops-guru-": {nil, []types.UpdateTagCollectionFilter{{AppBoundaryKey: aws.String("team"), TagValues: []string{"a"}}}, types.UpdateResourceCollectionActionAdd},
		"stacks and tags":              {[]string{"shop"}, []types.UpdateTagCollectionFilter{{AppBoundaryKey: aws.String("devops-guru-app"), TagValues: []string{"a"}}}, types.UpdateResourceCollectionActionAdd},
		"a bad stack name":             {[]string{"1-shop"}, nil, types.UpdateResourceCollectionActionAdd},
	} {
		if err := update(c.action, c.stacks, c.tags); apiCode(err) != "ValidationException" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := update(types.UpdateResourceCollectionActionAdd, nil, []types.UpdateTagCollectionFilter{{AppBoundaryKey: aws.String("devops-guru-app"), TagValues: []string{"checkout", "cart"}}}); err != nil {
		t.Fatal(err)
	}
	if err := update(types.UpdateResourceCollectionActionRemove, nil, []types.UpdateTagCollectionFilter{{AppBoundaryKey: aws.String("devops-guru-app"), TagValues: []string{"cart"}}}); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// A restart keeps it.
	cfg2 := config.Default()
	cfg2.DataDir = cfg.DataDir
	b, err := app.New(ctx, &cfg2, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop(ctx)
	srv2 := httptest.NewServer(b.Handler())
	defer srv2.Close()
	got := get(sdkClient(srv2.URL+devopsguru.Prefix, reader.AccessKeyID, readerSecret), types.ResourceCollectionTypeAwsTags)
	if len(got.Tags) != 1 || *got.Tags[0].AppBoundaryKey != "devops-guru-app" || len(got.Tags[0].TagValues) != 1 || got.Tags[0].TagValues[0] != "checkout" {
		t.Fatalf("after a restart: %+v", got.Tags)
	}
	if cov := b.Watcher().Coverage(); cov.Mode != "tag" || cov.TagKey != "devops-guru-app" {
		t.Fatalf("the restarted detection stage analyses %+v", cov)
	}
}
