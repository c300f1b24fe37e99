package rollout_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/cloud/cfnstack"
	"github.com/tendhq/tend/internal/cloud/cfnstack/cfnfake"
	"github.com/tendhq/tend/internal/fleet"
	"github.com/tendhq/tend/internal/rollout"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

func cfnTemplate(n int) []byte {
	return []byte(fmt.Sprintf(`Parameters:
  TendDeployment: {Type: String}
  TendVersion: {Type: String}
Resources:
  Service:
    Type: AWS::ECS::Service
    Properties: {ServiceName: !Sub "shop-${TendDeployment}", Tags: [{Key: release, Value: "%d"}]}
`, n))
}

// Deployments as CloudFormation stacks (the cfn provider against the
// protocol fake, through the real SDK): provisioned in parallel, a good
// version rolled out through UPDATE change sets, and a version whose
// rollback alarm goes off on the canary's stack rolled back by
// CloudFormation, failing the wave before any other stack sees it. The
// comparison is off, as for stacks whose key metrics do not reach tend.
func TestRolloutWithCloudFormationStacks(t *testing.T) {
	ctx := context.Background()
	fake := cfnfake.NewCloudFormation()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	api := cloudformation.New(cloudformation.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), HTTPClient: srv.Client()})
	prov, err := cfnstack.NewProvider(cfnstack.ProviderOptions{Poll: 5 * time.Millisecond,
		RollbackAlarms: []string{"arn:aws:cloudwatch:{region}:{account}:alarm:{stack}-5xx"}, MonitoringTime: 5 * time.Minute,
		Clients: func(context.Context, string, string) (cfnstack.DeployAPI, error) { return api, nil }})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.OpenSQLite(t)
	cat := embedded.New(st.Catalog(), time.Now)
	publish := func(n int) {
		if _, err := cat.Publish(ctx, "shop", catalog.Publish{Template: cfnTemplate(n), Format: catalog.FormatCFNYAML}); err != nil {
			t.Fatal(err)
		}
	}
	publish(1)
	fl, err := fleet.New(fleet.Options{Store: st, Catalog: cat, Providers: map[string]fleet.Provider{"cfn": prov}, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"acme", "globex", "pool-1", "pool-2"}
	for i, id := range ids {
		typ, tenants := "silo", []string{id}
		if i >= 2 {
			typ, tenants = "pool", []string{"t1", "t2"}
		}
		if _, err := fl.Add(ctx, fleet.Spec{ID: id, Type: typ, Account: "123456789012", Region: "eu-west-1", Product: "shop", Provider: "cfn", Tenants: tenants}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fl.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		d, _ := st.Deployments().Get(ctx, id)
		s, ok := fake.Stack(d.Stack)
		if d.State != store.DeploymentActive || !ok || s.Status != "CREATE_COMPLETE" || d.Outputs["stack_id"] != s.ID {
			t.Fatalf("%s: %s %q, stack %s", id, d.State, d.Error, s.Status)
		}
	}
	publish(2)
	publish(3)

	// The stacks' key metrics do not reach tend here: the waves are judged
	// by the stacks' rollback alarms and tend's insights (compare off).
	rec := rollout.NewRecorder(time.Hour, 0)
	eng, err := rollout.New(rollout.Options{Store: st, Catalog: cat, Deployer: fl, Metrics: rec, Poll: 20 * time.Millisecond, Lease: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, eng)
	defer stop()
	off := false
	strat := fast(rollout.Strategy{Strategy: rollout.Canary, MaxConcurrent: 3, Canary: &rollout.Selector{IDs: []string{"acme"}},
		Gates: rollout.Gates{Compare: rollout.Compare{Enabled: &off}}})

	r, err := eng.Start(ctx, rollout.StartRequest{Product: "shop", Version: 2, Strategy: strat, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if r = waitState(t, st, r.ID, finished); r.State != store.RolloutSucceeded {
		t.Fatalf("v2: %s: %s", r.State, r.Summary)
	}
	for _, id := range ids {
		if s, _ := fake.Stack(fleet.StackName("shop", id)); s.Status != "UPDATE_COMPLETE" || s.Tags["tend:version"] != "2" {
			t.Fatalf("%s after v2: %s v%s", id, s.Status, s.Tags["tend:version"])
		}
	}

	before := len(fake.Requests)
	fake.RaiseAlarm("tend-shop-acme")
	r, err = eng.Start(ctx, rollout.StartRequest{Product: "shop", Version: 3, Strategy: strat, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r = waitState(t, st, r.ID, finished)
	if r.State != store.RolloutRolledBack || !strings.Contains(r.Summary, "failed") {
		t.Fatalf("v3: %s: %s", r.State, r.Summary)
	}
	steps, _ := st.Rollouts().Steps(ctx, r.ID)
	alarmed := false
	for _, s := range steps {
		alarmed = alarmed || strings.Contains(s.Error+string(s.Output), "alarm:tend-shop-acme-5xx")
	}
	if !alarmed {
		t.Errorf("no step names the alarm that rolled the stack back")
	}
	for _, id := range ids {
		s, _ := fake.Stack(fleet.StackName("shop", id))
		if s.Tags["tend:version"] != "2" || !strings.Contains(s.Template, `"2"`) {
			t.Errorf("%s after the rolled back v3: %s v%s", id, s.Status, s.Tags["tend:version"])
		}
	}
	// No stack outside the canary was ever asked for v3.
	for _, f := range fake.Requests[before:] {
		if f.Get("StackName") != "tend-shop-acme" && strings.Contains(f.Get("TemplateBody"), `"3"`) {
			t.Errorf("%s was sent v3", f.Get("StackName"))
		}
	}
}
