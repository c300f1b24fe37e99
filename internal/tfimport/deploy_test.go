package tfimport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/devopsguru"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tendhq/tend/internal/cloud/cfnstack"
	"github.com/tendhq/tend/internal/cloud/cfnstack/cfnfake"
)

type recordingRegistrar struct {
	stack     string
	resources []StackResource
}

func (r *recordingRegistrar) RegisterStack(_ context.Context, stack string, res []StackResource) error {
	r.stack, r.resources = stack, res
	return nil
}

var _ BoundaryRegistrar = (*recordingRegistrar)(nil)

// fakeAWS starts the fakes behind one httptest server and returns a
// Deployer whose real SDK clients point at it.
func fakeAWS(t *testing.T) (*cfnfake.AWS, *Deployer, *recordingRegistrar) {
	t.Helper()
	fakes := cfnfake.NewAWS()
	srv := httptest.NewServer(fakes)
	t.Cleanup(srv.Close)
	fakes.Wire(srv.URL)
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "")
	cfn := cloudformation.New(cloudformation.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds, HTTPClient: srv.Client()})
	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds, HTTPClient: srv.Client(), UsePathStyle: true})
	guru := devopsguru.New(devopsguru.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds, HTTPClient: srv.Client()})
	reg := &recordingRegistrar{}
	d := &Deployer{
		Stacks:     cfnstack.New(cfn, cfnstack.Options{Poll: time.Millisecond}),
		Uploader:   cfnstack.NewUploader(s3c, "us-east-1", srv.URL),
		Guru:       cfnstack.NewGuru(guru),
		Registrars: []BoundaryRegistrar{reg},
		Now:        func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) },
	}
	return fakes, d, reg
}

func TestDeployNewStackImportsEnrolsAndRegisters(t *testing.T) {
	fakes, d, reg := fakeAWS(t)
	res := convertFixture(t, "full.tfstate")
	boundary := filepath.Join(t.TempDir(), "boundary.json")
	d.Registrars = append(d.Registrars, &FileRegistrar{Path: boundary, Now: d.Now})
	var progress []string
	d.Progress = func(m string) { progress = append(progress, m) }
	out, err := d.Deploy(context.Background(), DeployRequest{StackName: "orders", Result: res, EnrollDevOpsGuru: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != "IMPORT_COMPLETE" || len(out.Imported) != len(res.Imports) || !out.Enrolled {
		t.Fatalf("outcome %+v", out)
	}
	st, _ := fakes.CloudFormation.Stack("orders")
	if st.Status != "IMPORT_COMPLETE" || len(st.Resources) != len(res.Imports) {
		t.Fatalf("fake stack %s with %d resources", st.Status, len(st.Resources))
	}
	if !fakes.DevOpsGuru.Enrolled("orders") {
		t.Error("not enrolled in DevOps Guru")
	}
	form := fakes.CloudFormation.Requests[0]
	if form.Get("ChangeSetType") != "IMPORT" || form.Get("TemplateBody") == "" {
		t.Errorf("change set request: type %q, body %d bytes", form.Get("ChangeSetType"), len(form.Get("TemplateBody")))
	}
	if strings.Contains(form.Get("TemplateBody"), "correct-horse-battery-staple") {
		t.Error("secret in the template body")
	}
	var passed []string
	for k, v := range form {
		if strings.HasSuffix(k, ".ParameterValue") && v[0] == "correct-horse-battery-staple" {
			passed = append(passed, k)
		}
	}
	if len(passed) != 1 {
		t.Errorf("the DB password was passed as a parameter %d times", len(passed))
	}
	if reg.stack != "orders" || len(reg.resources) != len(res.Imports) {
		t.Fatalf("registrar got %q with %d resources", reg.stack, len(reg.resources))
	}
	for _, r := range reg.resources {
		if r.PhysicalID == "" || r.TerraformAddress == "" || r.Type == "" {
			t.Errorf("incomplete boundary resource %+v", r)
		}
		if r.LogicalID == "SqsQueueSampleSqsQueue" && r.ARN != "arn:aws:sqs:us-east-1:123456789012:sample_sqs_queue" {
			t.Errorf("queue ARN %q", r.ARN)
		}
	}
	var b Boundary
	raw, err := os.ReadFile(boundary)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &b); err != nil || b.Stack != "orders" || len(b.Resources) != len(res.Imports) {
		t.Fatalf("boundary file: %v %+v", err, b.Stack)
	}
	if !strings.Contains(strings.Join(progress, "\n"), "change set: CREATE_COMPLETE") {
		t.Errorf("progress %v", progress)
	}
}

func TestDeployExistingStackGetsOnlyMissingResources(t *testing.T) {
	fakes, d, _ := fakeAWS(t)
	res := convertFixture(t, "full.tfstate")
	existing := `{"AWSTemplateFormatVersion":"2010-09-09","Parameters":{"Env":{"Type":"String"}},"Resources":{` +
		`"Alarms":{"Type":"AWS::SNS::Topic","DeletionPolicy":"Retain","Properties":{"TopicName":"alarms"}},` +
		`"SqsQueueSampleSqsQueue":{"Type":"AWS::SQS::Queue","DeletionPolicy":"Retain","Properties":{"QueueName":"sample_sqs_queue"}}}}`
	fakes.CloudFormation.PutStack(cfnfake.Stack{
		Name: "orders", Status: "IMPORT_COMPLETE", Template: existing, Parameters: map[string]string{"Env": "prod"},
		Resources: []cfnfake.StackResource{
			{LogicalID: "Alarms", PhysicalID: "arn:aws:sns:us-east-1:123456789012:alarms", Type: "AWS::SNS::Topic"},
			{LogicalID: "SqsQueueSampleSqsQueue", PhysicalID: "https://sqs.us-east-1.amazonaws.com/123456789012/sample_sqs_queue", Type: "AWS::SQS::Queue"},
		},
	})
	out, err := d.Deploy(context.Background(), DeployRequest{StackName: "orders", Result: res})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.AlreadyInStack) != 1 || out.AlreadyInStack[0] != "SqsQueueSampleSqsQueue" || len(out.Imported) != len(res.Imports)-1 {
		t.Fatalf("kept %v, imported %d", out.AlreadyInStack, len(out.Imported))
	}
	form := fakes.CloudFormation.Requests[0]
	for k, v := range form {
		if strings.HasSuffix(k, ".LogicalResourceId") && v[0] == "SqsQueueSampleSqsQueue" {
			t.Error("re-imported a resource the stack holds")
		}
	}
	body := form.Get("TemplateBody")
	if !strings.Contains(body, `"Alarms"`) || !strings.Contains(body, `"Env"`) {
		t.Error("merged template lost the stack's own resource or parameter")
	}
	if !strings.Contains(fmt.Sprint(form), "UsePreviousValue:[true]") {
		t.Error("existing parameter not kept with UsePreviousValue")
	}
	if len(out.Resources) != len(res.Imports)+1 {
		t.Errorf("boundary has %d resources, want %d", len(out.Resources), len(res.Imports)+1)
	}

	// Running again imports nothing and still registers the boundary.
	out, err = d.Deploy(context.Background(), DeployRequest{StackName: "orders", Result: res})
	if err != nil || len(out.Imported) != 0 || len(out.AlreadyInStack) != len(res.Imports) {
		t.Fatalf("second run: %v %+v", err, out)
	}
}

func TestDeployRollbackCompleteStack(t *testing.T) {
	fakes, d, _ := fakeAWS(t)
	res := convertFixture(t, "full.tfstate")
	fakes.CloudFormation.PutStack(cfnfake.Stack{Name: "orders", Status: "ROLLBACK_COMPLETE", Template: `{"Resources":{}}`})
	_, err := d.Deploy(context.Background(), DeployRequest{StackName: "orders", Result: res})
	if !errors.Is(err, ErrStackState) || !strings.Contains(err.Error(), "ROLLBACK_COMPLETE") || !strings.Contains(err.Error(), "--delete-failed-stack") {
		t.Fatalf("error %v", err)
	}
	out, err := d.Deploy(context.Background(), DeployRequest{StackName: "orders", Result: res, DeleteFailedStack: true})
	if err != nil || out.Status != "IMPORT_COMPLETE" {
		t.Fatalf("with --delete-failed-stack: %v %+v", err, out)
	}
}

func TestDeployFailures(t *testing.T) {
	res := convertFixture(t, "full.tfstate")
	t.Run("change set failed", func(t *testing.T) {
		fakes, d, reg := fakeAWS(t)
		fakes.CloudFormation.FailChangeSet = "Resource [SqsQueueSampleSqsQueue] does not exist in the account"
		_, err := d.Deploy(context.Background(), DeployRequest{StackName: "orders", Result: res})
		if err == nil || !strings.Contains(err.Error(), "does not exist in the account") || !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("error %v", err)
		}
		if calls := strings.Join(fakes.CloudFormation.Calls, ","); !strings.Contains(calls, "DeleteChangeSet") || strings.Contains(calls, "ExecuteChangeSet") {
			t.Errorf("calls %s", calls)
		}
		if reg.stack != "" {
			t.Error("boundary registered after a failure")
		}
	})
	t.Run("import rolled back", func(t *testing.T) {
		fakes, d, _ := fakeAWS(t)
		fakes.CloudFormation.FailImport = "Resource handler returned message: access denied"
		_, err := d.Deploy(context.Background(), DeployRequest{StackName: "orders", Result: res})
		if err == nil || !strings.Contains(err.Error(), "IMPORT_ROLLBACK_COMPLETE") || !strings.Contains(err.Error(), "access denied") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("stack busy", func(t *testing.T) {
		fakes, d, _ := fakeAWS(t)
		fakes.CloudFormation.PutStack(cfnfake.Stack{Name: "orders", Status: "UPDATE_IN_PROGRESS"})
		_, err := d.Deploy(context.Background(), DeployRequest{StackName: "orders", Result: res})
		if !errors.Is(err, ErrStackState) || !strings.Contains(err.Error(), "UPDATE_IN_PROGRESS") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("devops guru refuses", func(t *testing.T) {
		fakes, d, _ := fakeAWS(t)
		fakes.DevOpsGuru.Fail = "DevOps Guru is not enabled in this Region"
		_, err := d.Deploy(context.Background(), DeployRequest{StackName: "orders", Result: res, EnrollDevOpsGuru: true})
		if err == nil || !strings.Contains(err.Error(), "not enabled") {
			t.Fatalf("error %v", err)
		}
	})
}

func bigState(n int) *State {
	st := &State{Format: "tfstate v4"}
	for i := range n {
		name := fmt.Sprintf("bulk-queue-%04d-with-a-long-name-to-grow-the-template", i)
		url := "https://sqs.us-east-1.amazonaws.com/123456789012/" + name
		st.Resources = append(st.Resources, Resource{
			Address: fmt.Sprintf("aws_sqs_queue.bulk[%d]", i), Mode: "managed", Type: "aws_sqs_queue", Name: "bulk", Index: i,
			Attributes: map[string]any{"name": name, "url": url, "arn": "arn:aws:sqs:us-east-1:123456789012:" + name,
				"visibility_timeout_seconds": 30.0, "tags": map[string]any{"team": "bulk", "index": fmt.Sprint(i)}},
		})
	}
	return st
}

func TestDeployLargeTemplateGoesThroughS3(t *testing.T) {
	res := NewConverter(mustSchemas(t), nil).Convert(bigState(200), Options{Description: "bulk"})
	fakes, d, _ := fakeAWS(t)
	_, err := d.Deploy(context.Background(), DeployRequest{StackName: "bulk", Result: res})
	if err == nil || !strings.Contains(err.Error(), "--s3-bucket") {
		t.Fatalf("without a bucket: %v", err)
	}
	out, err := d.Deploy(context.Background(), DeployRequest{StackName: "bulk", Result: res, S3Bucket: "tpl-bucket", S3Prefix: "tend/"})
	if err != nil || out.Status != "IMPORT_COMPLETE" {
		t.Fatalf("with a bucket: %v", err)
	}
	form := fakes.CloudFormation.Requests[len(fakes.CloudFormation.Requests)-1]
	if form.Get("TemplateURL") == "" || form.Get("TemplateBody") != "" {
		t.Errorf("TemplateURL %q, body %d bytes", form.Get("TemplateURL"), len(form.Get("TemplateBody")))
	}
	obj, ok := fakes.S3.Object("tpl-bucket/tend/bulk-1795262400.json")
	if !ok || len(obj) <= MaxTemplateBody {
		t.Errorf("uploaded object: %v, %d bytes", ok, len(obj))
	}
}
