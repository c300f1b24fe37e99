package aws

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/cloud/aws/awstest"
)

const (
	yamlV1 = "AWSTemplateFormatVersion: '2010-09-09'\n# web server\nResources:\n  WebServer:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.micro\n"
	yamlV2 = "AWSTemplateFormatVersion: '2010-09-09'\n# web server\nResources:\n  WebServer:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.small\n"
	jsonV3 = `{"Resources": {"WebServer": {"Type": "AWS::EC2::Instance", "Properties": {"InstanceType": "t3.medium"}}}}`
)

func seedProduct(fake *awstest.Fake) awstest.Product {
	prod := fake.AddProduct("EC2InstanceWithOneAgent")
	fake.AddVersion(prod.ID, "v1", []byte(yamlV1))
	fake.AddVersion(prod.ID, "v2", []byte(yamlV2))
	return prod
}

func TestCatalogRead(t *testing.T) {
	p, fake := newTestProviders(t, "")
	prod := seedProduct(fake)
	c := p.Catalog
	ctx := context.Background()
	if c.Kind() != "servicecatalog" {
		t.Errorf("Kind = %q", c.Kind())
	}

	vs, err := c.Versions(ctx, prod.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Number != 1 || vs[1].Number != 2 || vs[1].Name != "v2" || !vs[1].Active || vs[0].Product != prod.ARN {
		t.Fatalf("versions = %+v", vs)
	}
	latest, err := c.Latest(ctx, prod.ID)
	if err != nil {
		t.Fatal(err)
	}
	if latest.ID != vs[1].ID || string(latest.Template) != yamlV2 || latest.Format != catalog.FormatCFNYAML {
		t.Errorf("latest = %+v", latest)
	}
	for _, id := range []string{vs[0].ID, "v1"} {
		v, err := c.Version(ctx, prod.ID, id)
		if err != nil || string(v.Template) != yamlV1 || v.Number != 1 {
			t.Errorf("Version(%q) = %+v, %v", id, v, err)
		}
	}

	notFound := []struct {
		name string
		call func() error
	}{
		{"unknown product", func() error { _, err := c.Latest(ctx, "prod-zzzzzzzzzzzzz"); return err }},
		{"unknown version", func() error { _, err := c.Version(ctx, prod.ID, "pa-nope"); return err }},
		{"version number out of range", func() error { _, err := c.Version(ctx, prod.ID, "v9"); return err }},
	}
	for _, tt := range notFound {
		if err := tt.call(); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("%s: err = %v, want catalog.ErrNotFound", tt.name, err)
		}
	}
	other := strings.Replace(prod.ARN, awstest.Region, "us-east-1", 1)
	if _, err := c.Latest(ctx, other); err == nil || !strings.Contains(err.Error(), "in region us-east-1") {
		t.Errorf("product of another region: %v", err)
	}
	if _, err := c.Latest(ctx, "web-server"); err == nil || !strings.Contains(err.Error(), "not a Service Catalog product id") {
		t.Errorf("bad product name: %v", err)
	}
}

func TestPublishIdempotent(t *testing.T) {
	p, fake := newTestProviders(t, "tend-templates")
	prod := seedProduct(fake)
	c := p.Catalog
	ctx := context.Background()
	pub := catalog.Publish{
		Template:          []byte(jsonV3),
		Description:       "InstanceType t3.small → t3.medium after 3 × CPU_SATURATION on HOST-A1 (P-201123)",
		IdempotencyKey:    "run-01HZX:publish",
		DeprecatePrevious: true,
	}

	v, err := c.Publish(ctx, prod.ARN, pub)
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 3 || v.Name != "v3" || v.Format != catalog.FormatCFNJSON || v.Description != pub.Description || !v.Active {
		t.Errorf("published = %+v", v)
	}
	token := IdempotencyToken(pub.IdempotencyKey)
	if token == pub.IdempotencyKey || !strings.HasPrefix(token, "tend-") || len(token) > 128 {
		t.Errorf("token %q for a key with ':'", token)
	}
	if body, ok := fake.Object("tend-templates", "tend/"+prod.ID+"/"+token+".json"); !ok || string(body) != jsonV3 {
		t.Errorf("template object = %q, %v", body, ok)
	}

	again, err := c.Publish(ctx, prod.ARN, pub)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != v.ID || again.Number != 3 || string(again.Template) != jsonV3 {
		t.Errorf("second publish = %+v, want %s again", again, v.ID)
	}
	arts := fake.Artifacts(prod.ID)
	if len(arts) != 3 {
		t.Fatalf("%d artifacts after two publishes with one key, want 3", len(arts))
	}
	if arts[1].Guidance != "DEPRECATED" || arts[0].Guidance != "DEFAULT" {
		t.Errorf("guidance = %s, %s; want v2 deprecated, v1 untouched", arts[0].Guidance, arts[1].Guidance)
	}
	if arts[2].Token != token || fake.Calls("CreateProvisioningArtifact") != 1 {
		t.Errorf("token %q, %d creates", arts[2].Token, fake.Calls("CreateProvisioningArtifact"))
	}
	latest, err := c.Latest(ctx, prod.ID)
	if err != nil || latest.ID != v.ID || string(latest.Template) != jsonV3 || latest.IdempotencyKey != token {
		t.Errorf("latest after publish = %+v, %v", latest, err)
	}
}

func TestPublishRetrySafe(t *testing.T) {
	p, fake := newTestProviders(t, "tend-templates")
	prod := seedProduct(fake)
	// The create succeeds but its response is lost: the SDK retries with the
	// same IdempotencyToken and must get the same artifact back.
	fake.FailAfter("CreateProvisioningArtifact", 500, "InternalFailure")
	fake.Fail("PutObject", 1, 503, "SlowDown")
	v, err := p.Catalog.Publish(context.Background(), prod.ID, catalog.Publish{
		Template: []byte(yamlV2), Format: catalog.FormatCFNYAML, Description: "d", IdempotencyKey: "run-7-step-3",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fake.Calls("CreateProvisioningArtifact"); got != 2 {
		t.Errorf("CreateProvisioningArtifact calls = %d, want 2 (one lost response, one retry)", got)
	}
	if arts := fake.Artifacts(prod.ID); len(arts) != 3 || arts[2].ID != v.ID || arts[2].Token != "run-7-step-3" {
		t.Errorf("artifacts = %+v, want exactly one new, %s", arts, v.ID)
	}
}

func TestPublishRejects(t *testing.T) {
	p, fake := newTestProviders(t, "tend-templates")
	prod := seedProduct(fake)
	ctx := context.Background()
	tests := []struct {
		name    string
		product string
		pub     catalog.Publish
		want    string
		is      error
	}{
		{"empty template", prod.ID, catalog.Publish{}, "template is empty", nil},
		{"terraform", prod.ID, catalog.Publish{Template: []byte(`resource "x" "y" {}`), Format: catalog.FormatHCL}, "CloudFormation", nil},
		{"too large", prod.ID, catalog.Publish{Template: make([]byte, MaxTemplateBytes+1)}, "at most", nil},
		{"long description", prod.ID, catalog.Publish{Template: []byte(yamlV1), Description: strings.Repeat("x", 9000)}, "description", nil},
		{"unknown product", "prod-zzzzzzzzzzzzz", catalog.Publish{Template: []byte(yamlV1)}, "DescribeProductAsAdmin", catalog.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Catalog.Publish(ctx, tt.product, tt.pub)
			if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if n := len(fake.Artifacts(prod.ID)); n != 2 {
		t.Errorf("%d artifacts after rejected publishes, want 2", n)
	}

	noBucket, _ := newTestProviders(t, "")
	if _, err := noBucket.Catalog.Publish(ctx, prod.ID, catalog.Publish{Template: []byte(yamlV1)}); err == nil || !strings.Contains(err.Error(), "template_bucket") {
		t.Errorf("publish without a bucket: %v", err)
	}
}

func TestProductID(t *testing.T) {
	tests := map[string]string{
		"prod-abcdefgh12345": "prod-abcdefgh12345",
		"arn:aws:catalog:eu-west-1:123456789012:product/prod-abcdefgh12345": "prod-abcdefgh12345",
		"arn:aws:s3:::bucket":   "",
		"web-server":            "",
		"prod-ABC":              "",
		"arn:aws:catalog:x:y:z": "",
	}
	for in, want := range tests {
		got, err := ProductID(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ProductID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseS3URL(t *testing.T) {
	ts := &templateStore{endpoint: "http://127.0.0.1:4566"}
	tests := []struct {
		url, bucket, key string
	}{
		{"https://my-bucket.s3.eu-west-1.amazonaws.com/tend/prod-1/t.yaml", "my-bucket", "tend/prod-1/t.yaml"},
		{"https://my-bucket.s3.amazonaws.com/a.json", "my-bucket", "a.json"},
		{"https://my-bucket.s3-eu-west-1.amazonaws.com/a.json", "my-bucket", "a.json"},
		{"https://s3.eu-west-1.amazonaws.com/my-bucket/a/b.yaml", "my-bucket", "a/b.yaml"},
		{"https://s3.amazonaws.com/cf-templates-abc/t.json", "cf-templates-abc", "t.json"},
		{"http://127.0.0.1:4566/bucket/k%20ey.yaml", "bucket", "k ey.yaml"},
		{"https://example.com/bucket/key", "", ""},
		{"https://s3.amazonaws.com/bucket-only", "", ""},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		b, k, ok := ts.parseS3URL(u)
		if b != tt.bucket || k != tt.key || ok != (tt.bucket != "") {
			t.Errorf("parseS3URL(%s) = %q, %q, %v; want %q, %q", tt.url, b, k, ok, tt.bucket, tt.key)
		}
	}
}

func TestDetectFormatAndToken(t *testing.T) {
	for in, want := range map[string]catalog.Format{
		jsonV3: catalog.FormatCFNJSON, "\ufeff  {\n}": catalog.FormatCFNJSON, yamlV1: catalog.FormatCFNYAML, "": catalog.FormatCFNYAML,
	} {
		if got := DetectFormat([]byte(in)); got != want {
			t.Errorf("DetectFormat(%.20q) = %s, want %s", in, got, want)
		}
	}
	if got := IdempotencyToken("run-1_a"); got != "run-1_a" {
		t.Errorf("valid key changed: %q", got)
	}
	long := IdempotencyToken(strings.Repeat("a", 129))
	if len(long) > 128 || !tokenRe.MatchString(long) || long != IdempotencyToken(strings.Repeat("a", 129)) {
		t.Errorf("long key token = %q", long)
	}
}

func FuzzSplitDescription(f *testing.F) {
	f.Add("InstanceType t3.small → t3.medium" + keyTrailerPrefix + "run-1]")
	f.Add("plain")
	f.Fuzz(func(t *testing.T, d string) {
		desc, token := splitDescription(d)
		if token != "" && (!tokenRe.MatchString(token) || desc+keyTrailerPrefix+token+"]" != d) {
			t.Fatalf("splitDescription(%q) = %q, %q", d, desc, token)
		}
	})
}

func FuzzProductID(f *testing.F) {
	f.Add("arn:aws:catalog:eu-west-1:123456789012:product/prod-abcdefgh12345")
	f.Add("prod-abcdefgh12345")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ProductID(s)
		if err == nil && !productIDRe.MatchString(id) {
			t.Fatalf("ProductID(%q) = %q", s, id)
		}
	})
}

func FuzzParseS3URL(f *testing.F) {
	f.Add("https://my-bucket.s3.eu-west-1.amazonaws.com/a/b.yaml")
	f.Add("http://127.0.0.1:4566/b/k")
	ts := &templateStore{endpoint: "http://127.0.0.1:4566"}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		if b, k, ok := ts.parseS3URL(u); ok && (b == "" || k == "") {
			t.Fatalf("parseS3URL(%q) = %q, %q, true", s, b, k)
		}
	})
}
