package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/dynamo/dynamotest"
	"github.com/tendhq/tend/internal/embed/vectors"
)

func client(f *dynamotest.Fake) API {
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	return NewClient(cfg, f.URL)
}

func sample(n, dim int) []embed.Vector {
	var vs []embed.Vector
	for i := range n {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(i) + float32(j)/1000
		}
		vs = append(vs, embed.Vector{ImageID: fmt.Sprintf("images/%03d.jpg", i), Model: "sha", Checksum: "c", Source: "s3://b/images/", Values: v, CreatedAt: time.Unix(1_700_000_000, 0)})
	}
	return vs
}

// TestPutSeedShape writes through the real SDK and checks the seed's item
// shape, retries of unprocessed items, and idempotence.
func TestPutSeedShape(t *testing.T) {
	f := dynamotest.New()
	t.Cleanup(f.Close)
	f.CreateTable("embeddings", "ImageId")
	s := New(client(f), "embeddings")
	s.sleep = func(context.Context, time.Duration) error { return nil }
	vs := sample(60, 512)
	f.Throttle(7)
	if err := s.Put(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), vs[:30]); err != nil { // a redone batch
		t.Fatal(err)
	}
	items := f.Items("embeddings")
	if len(items) != 60 {
		t.Fatalf("%d items, want 60", len(items))
	}
	if n := f.Requests("BatchWriteItem"); n != 3+1+2 { // 25+25+10, one retry, then 25+5
		t.Errorf("%d BatchWriteItem requests, want 6", n)
	}
	it := items["images/007.jpg"]
	var dt, dim, b64 string
	_ = json.Unmarshal(it["DataType"]["S"], &dt)
	_ = json.Unmarshal(it["Dimension"]["N"], &dim)
	_ = json.Unmarshal(it["Vector"]["B"], &b64)
	raw, _ := base64.StdEncoding.DecodeString(b64)
	got, err := vectors.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if dt != "float32" || dim != "512" || len(got) != 512 || got[3] != vs[7].Values[3] {
		t.Fatalf("item: DataType %q Dimension %q vector %v...", dt, dim, got[:4])
	}
}

func TestPutGivesUp(t *testing.T) {
	f := dynamotest.New()
	t.Cleanup(f.Close)
	f.CreateTable("embeddings", "ImageId")
	s := New(client(f), "embeddings")
	s.sleep = func(context.Context, time.Duration) error { return nil }
	s.Attempts = 3
	f.Throttle(1000)
	if err := s.Put(context.Background(), sample(3, 4)); !errors.Is(err, ErrUnprocessed) {
		t.Fatalf("error %v, want ErrUnprocessed", err)
	}
	if err := New(client(f), "missing").Put(context.Background(), sample(1, 4)); err == nil || !strings.Contains(err.Error(), "ResourceNotFound") {
		t.Fatalf("missing table: %v", err)
	}
}

// TestBoto3ReadsBack: the seed's Python reader (boto3 from Debian's
// python3-boto3, numpy) reads what tend wrote.
func TestBoto3ReadsBack(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import boto3, numpy").Run(); err != nil {
		t.Skip("python3-boto3 and python3-numpy are not installed (apt-get install python3-boto3 python3-numpy)")
	}
	f := dynamotest.New()
	t.Cleanup(f.Close)
	f.CreateTable("embeddings", "ImageId")
	if err := New(client(f), "embeddings").Put(context.Background(), sample(30, 512)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/python3", "testdata/read_boto3.py", f.URL, "embeddings")
	cmd.Env = []string{"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=eu-west-1", "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3 reader: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "30 items; images/007.jpg float32 512 [7.0, 7.001, 7.002]" {
		t.Fatalf("boto3 read %q", got)
	}
}

func TestKnown(t *testing.T) {
	f := dynamotest.New()
	t.Cleanup(f.Close)
	f.CreateTable("embeddings", "ImageId")
	s := New(client(f), "embeddings")
	vs := sample(150, 4) // two BatchGetItem requests
	vs[3].Model = "other"
	if err := s.Put(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	ids := []string{"nope"}
	for _, v := range vs {
		ids = append(ids, v.ImageID)
	}
	known, err := s.Known(context.Background(), "sha", ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(known) != 149 || known["images/000.jpg"] != "c" {
		t.Fatalf("%d known (want 149: one is another model's, one absent)", len(known))
	}
	if _, ok := known["images/003.jpg"]; ok {
		t.Fatal("another model's item counted as known")
	}
}
