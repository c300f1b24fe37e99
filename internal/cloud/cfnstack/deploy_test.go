package cfnstack_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/cloud/cfnstack"
	"github.com/tendhq/tend/internal/cloud/cfnstack/cfnfake"
	"github.com/tendhq/tend/internal/store"
)

// productTemplate is a product version as the catalog holds it: YAML
// with short-form intrinsics, parameters tend fills in and one it does not.
func productTemplate(n int) catalog.Version {
	t := fmt.Sprintf(`AWSTemplateFormatVersion: "2010-09-09"
Description: shop v%d
Parameters:
  TendDeployment: {Type: String}
  TendTenants: {Type: String}
  TendVersion: {Type: String}
  InstanceType: {Type: String, Default: t3.small}
Resources:
  Service:
    Type: AWS::ECS::Service
    Properties:
      ServiceName: !Sub "shop-${TendDeployment}"
      Tags: [{Key: version, Value: "%d"}]
Outputs:
  Endpoint:
    Value: https://shop.example.com
  Deployment:
    Value: !Ref TendDeployment
`, n, n)
	return catalog.Version{Product: "shop", Number: n, ID: fmt.Sprintf("v%d", n), Template: []byte(t), Format: catalog.FormatCFNYAML}
}

func provider(t *testing.T, alarms []string) (*cfnfake.CloudFormation, *cfnstack.Provider) {
	t.Helper()
	fakes, srv := setup(t)
	p, err := cfnstack.NewProvider(cfnstack.ProviderOptions{
		Clients: func(_ context.Context, account, region string) (cfnstack.DeployAPI, error) {
			if account == "" || region == "" {
				return nil, fmt.Errorf("no account or region")
			}
			return cfnClient(srv), nil
		},
		RollbackAlarms: alarms, MonitoringTime: 10 * time.Minute, Poll: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return fakes.CloudFormation, p
}

var deployment = store.Deployment{ID: "acme", Product: "shop", Type: "silo", Account: "123456789012", Region: "eu-west-1",
	Tenants: []string{"acme"}, Provider: "cfn", Stack: "tend-shop-acme"}

const alarm = "arn:aws:cloudwatch:{region}:{account}:alarm:{stack}-errors"

func calls(f *cfnfake.CloudFormation, from int) string {
	var out []string
	for _, c := range f.Calls[from:] {
		if c != "DescribeStacks" && c != "DescribeChangeSet" {
			out = append(out, c)
		}
	}
	return strings.Join(out, " ")
}

func TestProviderCreatesThenUpdatesThroughChangeSets(t *testing.T) {
	ctx := context.Background()
	f, p := provider(t, []string{alarm})
	out, err := p.Apply(ctx, deployment, productTemplate(1))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := f.Stack("tend-shop-acme")
	if s.Status != "CREATE_COMPLETE" || s.Tags["tend:version"] != "1" || s.Tags["tend:deployment"] != "acme" {
		t.Fatalf("stack %s tags %v", s.Status, s.Tags)
	}
	// Only the declared parameters tend knows; InstanceType keeps its Default.
	if got := fmt.Sprint(s.Parameters); got != "map[TendDeployment:acme TendTenants:acme TendVersion:1]" {
		t.Fatalf("parameters %s", got)
	}
	if want := "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:tend-shop-acme-errors"; !slices.Equal(s.RollbackTriggers, []string{want}) || s.MonitoringMinutes != 10 {
		t.Fatalf("rollback configuration %v %d", s.RollbackTriggers, s.MonitoringMinutes)
	}
	if out["Endpoint"] != "https://shop.example.com" || out["Deployment"] != "acme" || !strings.HasPrefix(out["stack_id"], "arn:aws:cloudformation:") {
		t.Fatalf("outputs %v", out)
	}
	if got := calls(f, 0); got != "CreateStack" {
		t.Fatalf("calls %s", got)
	}

	// The same version again changes nothing: the empty change set is
	// dropped, never executed.
	n := len(f.Calls)
	if _, err := p.Apply(ctx, deployment, productTemplate(1)); err != nil {
		t.Fatal(err)
	}
	if got := calls(f, n); got != "CreateChangeSet DeleteChangeSet" {
		t.Fatalf("re-apply calls %s", got)
	}

	n = len(f.Calls)
	if _, err := p.Apply(ctx, deployment, productTemplate(2)); err != nil {
		t.Fatal(err)
	}
	if got := calls(f, n); got != "CreateChangeSet ExecuteChangeSet" {
		t.Fatalf("update calls %s", got)
	}
	req := f.Requests[len(f.Requests)-1]
	if req.Get("ChangeSetType") != "UPDATE" || req.Get("RollbackConfiguration.RollbackTriggers.member.1.Type") != "AWS::CloudWatch::Alarm" ||
		!slices.Contains([]string{req.Get("Capabilities.member.1"), req.Get("Capabilities.member.2"), req.Get("Capabilities.member.3")}, "CAPABILITY_AUTO_EXPAND") {
		t.Fatalf("change set request %v", req)
	}
	s, _ = f.Stack("tend-shop-acme")
	if s.Status != "UPDATE_COMPLETE" || s.Tags["tend:version"] != "2" || !strings.Contains(s.Template, "shop v2") {
		t.Fatalf("after the update: %s v%s", s.Status, s.Tags["tend:version"])
	}
}

// A rollback trigger's alarm during the update: CloudFormation rolls the
// stack back to the version it ran, Apply fails naming the alarm, and
// re-applying that previous version (the rollout's rollback) is a no-op.
func TestProviderAlarmRollsStackBack(t *testing.T) {
	ctx := context.Background()
	f, p := provider(t, []string{alarm})
	for _, n := range []int{1, 2} {
		if _, err := p.Apply(ctx, deployment, productTemplate(n)); err != nil {
			t.Fatal(err)
		}
	}
	f.RaiseAlarm("tend-shop-acme")
	_, err := p.Apply(ctx, deployment, productTemplate(3))
	if err == nil || !strings.Contains(err.Error(), "UPDATE_ROLLBACK_COMPLETE") || !strings.Contains(err.Error(), "alarm:tend-shop-acme-errors") {
		t.Fatalf("update under an alarm: %v", err)
	}
	s, _ := f.Stack("tend-shop-acme")
	if s.Tags["tend:version"] != "2" || !strings.Contains(s.Template, "shop v2") {
		t.Fatalf("rolled back to v%s", s.Tags["tend:version"])
	}
	n := len(f.Calls)
	if _, err := p.Apply(ctx, deployment, productTemplate(2)); err != nil {
		t.Fatal(err)
	}
	if got := calls(f, n); got != "CreateChangeSet DeleteChangeSet" {
		t.Fatalf("rollback calls %s", got)
	}
}

// Without rollback triggers the same alarm does not stop the update: the
// RollbackConfiguration is what makes CloudFormation act.
func TestProviderWithoutTriggersIgnoresAlarm(t *testing.T) {
	ctx := context.Background()
	f, p := provider(t, nil)
	for _, n := range []int{1, 2} {
		if n == 2 {
			f.RaiseAlarm("tend-shop-acme")
		}
		if _, err := p.Apply(ctx, deployment, productTemplate(n)); err != nil {
			t.Fatal(err)
		}
	}
	if s, _ := f.Stack("tend-shop-acme"); s.Status != "UPDATE_COMPLETE" || len(s.RollbackTriggers) != 0 {
		t.Fatalf("stack %s triggers %v", s.Status, s.RollbackTriggers)
	}
}

func TestProviderFailedCreateAndUpdate(t *testing.T) {
	ctx := context.Background()
	f, p := provider(t, nil)
	f.FailNext("tend-shop-acme", "Resource handler returned message: \"subnet-0abc does not exist\"")
	_, err := p.Apply(ctx, deployment, productTemplate(1))
	if err == nil || !strings.Contains(err.Error(), "ROLLBACK_COMPLETE") || !strings.Contains(err.Error(), "subnet-0abc does not exist") {
		t.Fatalf("failed create: %v", err)
	}
	// The retry deletes the stack the failed create left and creates it again.
	if _, err := p.Apply(ctx, deployment, productTemplate(1)); err != nil {
		t.Fatal(err)
	}
	if s, _ := f.Stack("tend-shop-acme"); s.Status != "CREATE_COMPLETE" {
		t.Fatalf("after the retry: %s", s.Status)
	}
	f.FailNext("tend-shop-acme", "Service shop-acme did not stabilize")
	_, err = p.Apply(ctx, deployment, productTemplate(2))
	if err == nil || !strings.Contains(err.Error(), "UPDATE_ROLLBACK_COMPLETE") || !strings.Contains(err.Error(), "did not stabilize") {
		t.Fatalf("failed update: %v", err)
	}
	if s, _ := f.Stack("tend-shop-acme"); s.Tags["tend:version"] != "1" {
		t.Fatalf("failed update left v%s", s.Tags["tend:version"])
	}
}

func TestProviderRemove(t *testing.T) {
	ctx := context.Background()
	f, p := provider(t, nil)
	if _, err := p.Apply(ctx, deployment, productTemplate(1)); err != nil {
		t.Fatal(err)
	}
	if err := p.Remove(ctx, deployment, false); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Stack("tend-shop-acme"); !ok {
		t.Fatal("removing without --delete-resources deleted the stack")
	}
	if err := p.Remove(ctx, deployment, true); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Stack("tend-shop-acme"); ok {
		t.Fatal("stack still there after removal with delete")
	}
	// Already gone: removal is idempotent.
	if err := p.Remove(ctx, deployment, true); err != nil {
		t.Fatal(err)
	}
}

func TestProviderRefusesWhatItCannotDeploy(t *testing.T) {
	_, p := provider(t, nil)
	v := productTemplate(1)
	v.Format = catalog.FormatHCL
	if _, err := p.Apply(context.Background(), deployment, v); err == nil || !strings.Contains(err.Error(), "CloudFormation templates") {
		t.Fatalf("hcl: %v", err)
	}
	v = productTemplate(1)
	v.Template = []byte(strings.Repeat("#", 60000) + "\n" + string(v.Template))
	if _, err := p.Apply(context.Background(), deployment, v); err == nil || !strings.Contains(err.Error(), "51200") || !strings.Contains(err.Error(), "fleet.cfn_template_bucket") {
		t.Fatalf("large without a template bucket: %v", err)
	}
	for _, a := range []string{"arn:aws:sns:us-east-1:1:topic", "alarm"} {
		if _, err := cfnstack.NewProvider(cfnstack.ProviderOptions{Clients: func(context.Context, string, string) (cfnstack.DeployAPI, error) { return nil, nil },
			RollbackAlarms: []string{a}}); err == nil || !strings.Contains(err.Error(), a) {
			t.Fatalf("alarm %q: %v", a, err)
		}
	}
}

// A version over CloudFormation's inline limit of 51,200 bytes goes
// through S3: uploaded (through the real SDK, to the S3 fake) under a key
// named for its content, and read by the stack's create and its update's
// change set as TemplateURL. Over CloudFormation's 1,000,000 bytes it is
// refused before anything is called.
func TestProviderDeploysLargeTemplatesThroughS3(t *testing.T) {
	ctx := context.Background()
	fakes, srv := setup(t)
	s3c := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), HTTPClient: srv.Client()})
	p, err := cfnstack.NewProvider(cfnstack.ProviderOptions{
		Clients:        func(context.Context, string, string) (cfnstack.DeployAPI, error) { return cfnClient(srv), nil },
		TemplateBucket: "tend-templates", TemplatePrefix: "tend/", Uploader: cfnstack.NewUploader(s3c, "eu-west-1", srv.URL),
		Poll: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	large := func(n int) catalog.Version {
		v := productTemplate(n)
		v.Template = []byte(strings.Repeat("# padding to beyond the inline limit\n", 2000) + string(v.Template))
		return v
	}
	for n := 1; n <= 2; n++ {
		v := large(n)
		if len(v.Template) <= 51200 {
			t.Fatalf("template of %d bytes is not large", len(v.Template))
		}
		if _, err := p.Apply(ctx, deployment, v); err != nil {
			t.Fatalf("apply v%d: %v", n, err)
		}
		st, _ := fakes.CloudFormation.Stack("tend-shop-acme")
		if st.Tags["tend:version"] != fmt.Sprint(n) || st.Template != string(v.Template) {
			t.Fatalf("after v%d: %s v%s, template of %d bytes", n, st.Status, st.Tags["tend:version"], len(st.Template))
		}
	}
	var urls []string
	for _, r := range fakes.CloudFormation.Requests {
		if r.Get("TemplateBody") != "" {
			t.Errorf("%s sent a TemplateBody", r.Get("Action"))
		}
		urls = append(urls, r.Get("TemplateURL"))
	}
	if len(urls) != 2 || !strings.HasPrefix(urls[0], srv.URL+"/tend-templates/tend/shop/v1-") || !strings.HasPrefix(urls[1], srv.URL+"/tend-templates/tend/shop/v2-") {
		t.Fatalf("TemplateURLs %v", urls)
	}
	key := strings.TrimPrefix(urls[1], srv.URL+"/")
	if b, ok := fakes.S3.Object(key); !ok || string(b) != string(large(2).Template) {
		t.Fatalf("object %s in S3: %v (%d bytes)", key, ok, len(b))
	}
	huge := productTemplate(3)
	huge.Template = []byte(strings.Repeat("#", 1000001))
	before := len(fakes.CloudFormation.Requests)
	if _, err := p.Apply(ctx, deployment, huge); err == nil || !strings.Contains(err.Error(), "1000000") {
		t.Fatalf("huge: %v", err)
	}
	if len(fakes.CloudFormation.Requests) != before {
		t.Fatal("a template over CloudFormation's limit was sent")
	}
}
