package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/cloud/cfnstack/cfnfake"
	"github.com/tendhq/tend/internal/store"
)

// With aws.enabled the cfn provider is wired from the configuration: a
// deployment added through the API with provider cfn becomes a
// CloudFormation stack (here the protocol fake at aws.endpoint_url) with
// the configured rollback alarm, and removing it with delete_resources
// deletes the stack.
func TestCFNProviderFromConfig(t *testing.T) {
	fake := cfnfake.NewCloudFormation()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	cfg := fleetConfig(t, t.TempDir())
	cfg.AWS.Enabled, cfg.AWS.Region, cfg.AWS.EndpointURL = true, "eu-west-1", srv.URL
	cfg.AWS.EC2Inventory = false
	cfg.Fleet.CFNPoll = 10 * time.Millisecond
	cfg.Fleet.CFNRollbackAlarms = []string{"arn:aws:cloudwatch:{region}:{account}:alarm:{stack}-errors"}
	p := startTend(t, cfg)
	cat := embedded.New(p.a.Store().Catalog(), time.Now)
	tmpl := "Parameters:\n  TendDeployment: {Type: String}\nResources:\n  Queue: {Type: AWS::SQS::Queue}\nOutputs:\n  Who: {Value: !Ref TendDeployment}\n"
	if _, err := cat.Publish(context.Background(), "shop", catalog.Publish{Template: []byte(tmpl), Format: catalog.FormatCFNYAML}); err != nil {
		t.Fatal(err)
	}
	spec := map[string]any{"id": "acme", "type": "silo", "account": "123456789012", "region": "eu-west-1", "product": "shop", "provider": "cfn", "tenants": []string{"acme"}}
	if code := p.call("POST", "/v1/deployments", spec, nil); code != http.StatusAccepted {
		t.Fatalf("add: %d", code)
	}
	var v api.DeploymentView
	deadline := time.Now().Add(20 * time.Second)
	for v.State != store.DeploymentActive {
		if v.State == store.DeploymentFailed || time.Now().After(deadline) {
			t.Fatalf("deployment %s: %s", v.State, v.Error)
		}
		time.Sleep(20 * time.Millisecond)
		p.call("GET", "/v1/deployments/acme", nil, &v)
	}
	s, ok := fake.Stack("tend-shop-acme")
	if !ok || s.Status != "CREATE_COMPLETE" || s.Outputs["Who"] != "acme" ||
		len(s.RollbackTriggers) != 1 || s.RollbackTriggers[0] != "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:tend-shop-acme-errors" {
		t.Fatalf("stack %+v", s)
	}
	if code := p.call("DELETE", "/v1/deployments/acme?delete_resources=true", nil, nil); code/100 != 2 {
		t.Fatalf("remove: %d", code)
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		if _, ok := fake.Stack("tend-shop-acme"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("stack not deleted")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With fleet.cfn_template_bucket a product version over CloudFormation's
// inline limit deploys: tend uploads it to the bucket (S3 at the same
// aws.endpoint_url, as LocalStack-like endpoints serve both) and the stack
// is created from its TemplateURL.
func TestCFNProviderUploadsLargeTemplates(t *testing.T) {
	fakes := cfnfake.NewAWS()
	srv := httptest.NewServer(fakes)
	t.Cleanup(srv.Close)
	fakes.Wire(srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	cfg := fleetConfig(t, t.TempDir())
	cfg.AWS.Enabled, cfg.AWS.Region, cfg.AWS.EndpointURL = true, "eu-west-1", srv.URL
	cfg.AWS.EC2Inventory = false
	cfg.Fleet.CFNPoll = 10 * time.Millisecond
	cfg.Fleet.CFNTemplateBucket = "acme-tend-templates"
	p := startTend(t, cfg)
	cat := embedded.New(p.a.Store().Catalog(), time.Now)
	var b strings.Builder
	b.WriteString("Parameters:\n  TendDeployment: {Type: String}\nResources:\n")
	for i := 0; b.Len() <= 60000; i++ {
		fmt.Fprintf(&b, "  Queue%d:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Sub \"shop-${TendDeployment}-%d\"}\n", i, i)
	}
	if _, err := cat.Publish(context.Background(), "shop", catalog.Publish{Template: []byte(b.String()), Format: catalog.FormatCFNYAML}); err != nil {
		t.Fatal(err)
	}
	spec := map[string]any{"id": "acme", "type": "silo", "account": "123456789012", "region": "eu-west-1", "product": "shop", "provider": "cfn", "tenants": []string{"acme"}}
	if code := p.call("POST", "/v1/deployments", spec, nil); code != http.StatusAccepted {
		t.Fatalf("add: %d", code)
	}
	var v api.DeploymentView
	for deadline := time.Now().Add(20 * time.Second); v.State != store.DeploymentActive; time.Sleep(20 * time.Millisecond) {
		if v.State == store.DeploymentFailed || time.Now().After(deadline) {
			t.Fatalf("deployment %s: %s", v.State, v.Error)
		}
		p.call("GET", "/v1/deployments/acme", nil, &v)
	}
	s, _ := fakes.CloudFormation.Stack("tend-shop-acme")
	if s.Status != "CREATE_COMPLETE" || s.Template != b.String() {
		t.Fatalf("stack %s, template of %d bytes", s.Status, len(s.Template))
	}
	u := fakes.CloudFormation.Requests[0].Get("TemplateURL")
	if !strings.HasPrefix(u, srv.URL+"/acme-tend-templates/tend/templates/shop/v1-") {
		t.Fatalf("TemplateURL %q", u)
	}
}
