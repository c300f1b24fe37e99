package aws_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/cfn"
	"github.com/tendhq/tend/internal/cloud/aws"
	"github.com/tendhq/tend/internal/cloud/aws/awstest"
	"github.com/tendhq/tend/internal/cloud/dynatrace"
	"github.com/tendhq/tend/internal/cloud/dynatrace/dynatracetest"
	"github.com/tendhq/tend/internal/remediate"
)

// TestSeedLoopWithProviders walks the seed's Lambda with the real clients
// against the fakes: problem → host → EC2 instance → Service Catalog
// product → approved types → latest template → new version → comment,
// with the publish and the comment each retried and still done once.
func TestSeedLoopWithProviders(t *testing.T) {
	ctx := context.Background()
	const (
		pid        = "-7001863467553125449_1606215300000V2"
		hostID     = "HOST-A1B2C3D4E5F60789"
		instanceID = "i-0abc123def4567890"
		approved   = "/dynatrace/approvedinstancetypes"
	)
	tmpl, err := os.ReadFile("testdata/ec2_with_oneagent.json")
	if err != nil {
		t.Fatal(err)
	}

	// AWS side: a product with v1, the instance it launched, the approved list.
	cloud := awstest.NewFake()
	defer cloud.Close()
	cloud.CreateBucket("tend-templates")
	prod, _ := cloud.Launch("EC2InstanceWithOneAgent", tmpl, instanceID, "t3.small", "WebServer")
	cloud.PutParameter(approved, "StringList", "t3.micro,t3.small,t3.medium,t3.large")

	// Dynatrace side: the problem and the host.
	dt := dynatracetest.NewFake()
	defer dt.Close()
	dt.AddProblem(dynatracetest.CPUSaturation(pid, "P-201123", hostID, "web-1"))
	dt.AddEntity(dynatracetest.EC2Host(hostID, "web-1", instanceID, "t3.small", nil))

	var mon remediate.Monitor
	mon, err = dynatrace.New(dynatrace.Config{BaseURL: dt.URL, Token: dynatracetest.Token, RetryBaseDelay: time.Millisecond}, dt.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := aws.NewFromConfig(cloud.AWSConfig(), aws.Config{EndpointURL: cloud.URL, TemplateBucket: "tend-templates", TemplatePrefix: "tend/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var (
		inv    remediate.Inventory = p.Inventory
		params remediate.Params    = p.Params
		cat    catalog.Catalog     = p.Catalog
	)

	// 1–2. The problem qualifies: CPU_SATURATION, open, on a host.
	prob, err := mon.Problem(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	if prob.EventType != "CPU_SATURATION" || prob.RootCause == nil || prob.RootCause.Type != "HOST" {
		t.Fatalf("problem = %+v", prob)
	}
	// 3. The host's EC2 instance.
	host, err := mon.Entity(ctx, prob.RootCause.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 4. The instance and its product.
	inst, err := inv.Instance(ctx, host.Properties[dynatrace.PropAWSInstanceID])
	if err != nil {
		t.Fatal(err)
	}
	product := inst.Tags["aws:servicecatalog:productArn"]
	if inst.Type != "t3.small" || product != prod.ARN || inst.Tags["aws:cloudformation:logical-id"] != "WebServer" {
		t.Fatalf("instance = %+v", inst)
	}
	// 5. The next larger approved type.
	types, err := params.StringList(ctx, approved+"/")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(types, inst.Type)
	if i < 0 || i == len(types)-1 {
		t.Fatalf("%s not upsizable in %v", inst.Type, types)
	}
	next := types[i+1]
	// 6. Edit the latest template and publish it — twice, as a retried
	// step would, with the first create's response lost.
	latest, err := cat.Latest(ctx, product)
	if err != nil {
		t.Fatal(err)
	}
	if latest.Format != catalog.FormatCFNJSON || !bytes.Equal(latest.Template, tmpl) {
		t.Fatalf("latest = %s %s", latest.ID, latest.Format)
	}
	editor := cfn.NewEditor(latest.Format)
	logicalID := inst.Tags["aws:cloudformation:logical-id"]
	if cur, err := editor.InstanceType(latest.Template, logicalID); err != nil || cur != inst.Type {
		t.Fatalf("template's instance type = %q, %v; want %s", cur, err, inst.Type)
	}
	edited, err := editor.SetInstanceType(latest.Template, logicalID, next)
	if err != nil {
		t.Fatal(err)
	}
	// The parameter's Default changes; every other byte stays.
	if want := bytes.Replace(tmpl, []byte(`"Default": "t3.small"`), []byte(`"Default": "`+next+`"`), 1); !bytes.Equal(edited, want) {
		t.Fatalf("edited template:\n%s", edited)
	}
	pub := catalog.Publish{
		Template:       edited,
		Format:         latest.Format,
		Description:    fmt.Sprintf("InstanceType %s → %s after 3 × CPU_SATURATION on %s (%s)", inst.Type, next, hostID, prob.DisplayID),
		IdempotencyKey: "run-42-publish",
	}
	cloud.FailAfter("CreateProvisioningArtifact", 500, "InternalFailure")
	v2, err := cat.Publish(ctx, product, pub)
	if err != nil {
		t.Fatal(err)
	}
	again, err := cat.Publish(ctx, product, pub)
	if err != nil {
		t.Fatal(err)
	}
	arts := cloud.Artifacts(prod.ID)
	if v2.Number != 2 || again.ID != v2.ID || len(arts) != 2 {
		t.Fatalf("published %+v then %+v; %d artifacts, want 2", v2, again, len(arts))
	}
	now, err := cat.Latest(ctx, product)
	if err != nil || !strings.Contains(string(now.Template), `"Default": "t3.medium"`) || now.Description != pub.Description {
		t.Fatalf("latest after publish = %+v, %v", now, err)
	}
	// 7. Comment back, once, with a run marker checked before posting.
	marker := "[tend-run:run-42]"
	text := fmt.Sprintf("tend published %s v%d of %s: %s %s", product, v2.Number, prod.Name, pub.Description, marker)
	dt.LoseResponse(502)
	for range 2 { // the step runs twice (a crash between posting and recording)
		comments, err := mon.Comments(ctx, pid)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(comments, func(c remediate.Comment) bool { return strings.Contains(c.Content, marker) }) {
			continue
		}
		if err := mon.Comment(ctx, pid, text); err != nil {
			t.Fatal(err)
		}
	}
	if got := dt.Comments(pid); len(got) != 1 || got[0].Content != text {
		t.Fatalf("comments = %+v, want exactly one", got)
	}
}
