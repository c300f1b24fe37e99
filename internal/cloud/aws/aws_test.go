package aws

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tendhq/tend/internal/cloud/aws/awstest"
)

func newTestProviders(t *testing.T, bucket string) (*Providers, *awstest.Fake) {
	t.Helper()
	fake := awstest.NewFake()
	t.Cleanup(fake.Close)
	if bucket != "" {
		fake.CreateBucket(bucket)
	}
	p, err := NewFromConfig(fake.AWSConfig(), Config{EndpointURL: fake.URL, TemplateBucket: bucket, TemplatePrefix: "tend/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := fake.Unsigned(); n != 0 {
			t.Errorf("%d requests were not SigV4-signed", n)
		}
	})
	return p, fake
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{EndpointURL: "localhost:4566"}, "endpoint_url"},
		{Config{TemplateBucket: "a/b"}, "template_bucket"},
		{Config{TemplatePrefix: "/x"}, "template_prefix"},
		{Config{MaxAttempts: -1}, "max_attempts"},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
	if _, err := NewFromConfig(awssdk.Config{}, Config{}, nil); err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("no region accepted: %v", err)
	}
}

func TestInventory(t *testing.T) {
	p, fake := newTestProviders(t, "")
	tags := map[string]string{
		"Name":                          "web-1",
		"aws:servicecatalog:productArn": "arn:aws:catalog:eu-west-1:123456789012:product/prod-abcdefgh12345",
		"aws:servicecatalog:provisioningArtifactIdentifier": "pa-abcdefgh12345",
		"aws:cloudformation:logical-id":                     "WebServer",
	}
	fake.AddInstance(awstest.Instance{ID: "i-0abc123def4567890", Type: "t3.small", Tags: tags})
	ctx := context.Background()

	got, err := p.Inventory.Instance(ctx, "i-0abc123def4567890")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "i-0abc123def4567890" || got.Type != "t3.small" || !reflect.DeepEqual(got.Tags, tags) {
		t.Errorf("instance = %+v", got)
	}
	if _, err := p.Inventory.Instance(ctx, "i-00000000deadbeef0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown instance: err = %v, want ErrNotFound", err)
	}
	calls := fake.Calls("DescribeInstances")
	if _, err := p.Inventory.Instance(ctx, "HOST-1234"); err == nil || !strings.Contains(err.Error(), "not an EC2 instance id") {
		t.Errorf("bad id: err = %v", err)
	}
	if fake.Calls("DescribeInstances") != calls {
		t.Error("a malformed id reached AWS")
	}
	fake.Fail("DescribeInstances", 2, 503, "Unavailable")
	if _, err := p.Inventory.Instance(ctx, "i-0abc123def4567890"); err != nil {
		t.Errorf("503 twice then success: %v", err)
	}
	fake.Fail("DescribeInstances", 3, 503, "Unavailable")
	if _, err := p.Inventory.Instance(ctx, "i-0abc123def4567890"); err == nil || !strings.Contains(err.Error(), "Unavailable") {
		t.Errorf("503 three times: err = %v, want the SDK to give up after 3 attempts", err)
	}
}

func TestParams(t *testing.T) {
	p, fake := newTestProviders(t, "")
	fake.PutParameter("/dynatrace/approvedinstancetypes", "StringList", "t3.micro, t3.small,t3.medium,,t3.large")
	fake.PutParameter("/plain", "String", "a")
	fake.PutParameter("/secret", "SecureString", "m5.large,m5.xlarge")
	ctx := context.Background()
	tests := []struct {
		name    string
		want    []string
		wantErr error
	}{
		{"/dynatrace/approvedinstancetypes", []string{"t3.micro", "t3.small", "t3.medium", "t3.large"}, nil},
		{"/dynatrace/approvedinstancetypes/", []string{"t3.micro", "t3.small", "t3.medium", "t3.large"}, nil},
		{"/plain", []string{"a"}, nil},
		{"/secret", []string{"m5.large", "m5.xlarge"}, nil},
		{"/missing", nil, ErrNotFound},
	}
	for _, tt := range tests {
		got, err := p.Params.StringList(ctx, tt.name)
		if !errors.Is(err, tt.wantErr) || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("StringList(%q) = %v, %v; want %v, %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
	if _, err := p.Params.StringList(ctx, " "); err == nil {
		t.Error("empty name accepted")
	}
}
