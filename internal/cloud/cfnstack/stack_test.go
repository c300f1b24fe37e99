package cfnstack_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/devopsguru"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/tendhq/tend/internal/cloud/cfnstack"
	"github.com/tendhq/tend/internal/cloud/cfnstack/cfnfake"
)

func setup(t *testing.T) (*cfnfake.AWS, *httptest.Server) {
	t.Helper()
	fakes := cfnfake.NewAWS()
	srv := httptest.NewServer(fakes)
	t.Cleanup(srv.Close)
	fakes.Wire(srv.URL)
	return fakes, srv
}

func cfnClient(srv *httptest.Server) *cloudformation.Client {
	return cloudformation.New(cloudformation.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), HTTPClient: srv.Client()})
}

func TestStackAbsentAndPresent(t *testing.T) {
	fakes, srv := setup(t)
	c := cfnstack.New(cfnClient(srv), cfnstack.Options{Poll: time.Millisecond})
	st, err := c.Stack(context.Background(), "nope")
	if err != nil || st != nil {
		t.Fatalf("absent stack: %v %v", st, err)
	}
	var res []cfnfake.StackResource
	for i := range 250 {
		res = append(res, cfnfake.StackResource{LogicalID: fmt.Sprintf("Q%d", i), PhysicalID: fmt.Sprintf("q-%d", i), Type: "AWS::SQS::Queue"})
	}
	fakes.CloudFormation.PutStack(cfnfake.Stack{Name: "s", Status: "UPDATE_COMPLETE", Parameters: map[string]string{"B": "2", "A": "1"}, Resources: res})
	st, err = c.Stack(context.Background(), "s")
	if err != nil || st.Status != "UPDATE_COMPLETE" || strings.Join(st.Parameters, ",") != "A,B" || !strings.HasPrefix(st.ID, "arn:aws:cloudformation:") {
		t.Fatalf("stack %+v, %v", st, err)
	}
	got, err := c.Resources(context.Background(), "s")
	if err != nil || len(got) != 250 || got[249].PhysicalID != "q-249" {
		t.Fatalf("paginated resources: %d, %v", len(got), err)
	}
}

func TestAPIErrorsSurface(t *testing.T) {
	_, srv := setup(t)
	c := cfnstack.New(cfnClient(srv), cfnstack.Options{Poll: time.Millisecond})
	_, err := c.WaitChangeSet(context.Background(), "s", "missing", nil)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ChangeSetNotFound" {
		t.Fatalf("error %v", err)
	}
	_, err = c.CreateImportChangeSet(context.Background(), cfnstack.ImportChangeSet{StackName: "s", ChangeSetName: "c", TemplateBody: "{not json"})
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || !strings.Contains(err.Error(), "Template format error") {
		t.Fatalf("error %v", err)
	}
}

// The fake refuses requests the real service would: unsigned, not form-encoded.
func TestFakeSpeaksTheQueryProtocol(t *testing.T) {
	_, srv := setup(t)
	resp, err := http.PostForm(srv.URL, url.Values{"Action": {"DescribeStacks"}, "Version": {"2010-05-15"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned request: %d", resp.StatusCode)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	fakes, srv := setup(t)
	fakes.CloudFormation.PutStack(cfnfake.Stack{Name: "s", Status: "UPDATE_IN_PROGRESS"})
	c := cfnstack.New(cfnClient(srv), cfnstack.Options{Poll: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.WaitStack(ctx, "s", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
}

func TestGuruAddStacksInBatches(t *testing.T) {
	fakes, _ := setup(t)
	var calls int
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		fakes.ServeHTTP(w, r)
	})
	srv2 := httptest.NewServer(mux)
	defer srv2.Close()
	g := cfnstack.NewGuru(devopsguru.New(devopsguru.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv2.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), HTTPClient: srv2.Client()}))
	var names []string
	for i := range 150 {
		names = append(names, fmt.Sprintf("stack-%d", i))
	}
	if err := g.AddStacks(context.Background(), names...); err != nil {
		t.Fatal(err)
	}
	if calls != 2 || !fakes.DevOpsGuru.Enrolled("stack-149") {
		t.Errorf("%d calls", calls)
	}
	fakes.DevOpsGuru.Fail = "not enabled"
	err := g.AddStacks(context.Background(), "x")
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		t.Fatalf("error %v", err)
	}
}

func TestUploaderURL(t *testing.T) {
	fakes, srv := setup(t)
	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), HTTPClient: srv.Client()})
	u, err := cfnstack.NewUploader(s3c, "us-east-1", srv.URL).Upload(context.Background(), "b", "tend/t 1.json", []byte(`{"a":1}`))
	if err != nil || u != srv.URL+"/b/tend/t%201.json" {
		t.Fatalf("url %q, %v", u, err)
	}
	if b, ok := fakes.S3.Object("b/tend/t 1.json"); !ok || string(b) != `{"a":1}` {
		t.Fatalf("object %q %v", b, ok)
	}
	u, _ = cfnstack.NewUploader(s3c, "eu-west-1", "").Upload(context.Background(), "b", "k.json", nil)
	if u != "https://b.s3.eu-west-1.amazonaws.com/k.json" {
		t.Errorf("AWS url %q", u)
	}
}
