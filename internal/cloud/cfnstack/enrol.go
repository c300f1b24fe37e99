package cfnstack

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/devopsguru"
	"github.com/aws/aws-sdk-go-v2/service/devopsguru/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// GuruAPI is the part of the DevOps Guru API the enroller calls.
type GuruAPI interface {
	UpdateResourceCollection(context.Context, *devopsguru.UpdateResourceCollectionInput, ...func(*devopsguru.Options)) (*devopsguru.UpdateResourceCollectionOutput, error)
}

var _ GuruAPI = (*devopsguru.Client)(nil)

// Guru adds stacks to Amazon DevOps Guru's analysed resource collection.
type Guru struct{ api GuruAPI }

// NewGuru returns an enroller over a DevOps Guru API client.
func NewGuru(api GuruAPI) *Guru { return &Guru{api: api} }

// maxGuruStacks is how many stack names one UpdateResourceCollection takes.
const maxGuruStacks = 100

// AddStacks enrols CloudFormation stacks for analysis (Action ADD). Adding a
// stack that is already enrolled is a no-op on the service side.
func (g *Guru) AddStacks(ctx context.Context, names ...string) error {
	for start := 0; start < len(names); start += maxGuruStacks {
		batch := names[start:min(start+maxGuruStacks, len(names))]
		_, err := g.api.UpdateResourceCollection(ctx, &devopsguru.UpdateResourceCollectionInput{
			Action: types.UpdateResourceCollectionActionAdd,
			ResourceCollection: &types.UpdateResourceCollectionFilter{
				CloudFormation: &types.UpdateCloudFormationCollectionFilter{StackNames: batch},
			},
		})
		if err != nil {
			return fmt.Errorf("enrol stacks %s in DevOps Guru: %w", strings.Join(batch, ", "), err)
		}
	}
	return nil
}

// S3API is the part of the S3 API the uploader calls.
type S3API interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ S3API = (*s3.Client)(nil)

// Uploader puts templates too large for TemplateBody into S3.
type Uploader struct {
	api      S3API
	region   string
	endpoint string // base URL for TemplateURL; "" means https://BUCKET.s3.REGION.amazonaws.com
}

// NewUploader returns an uploader for buckets in region. endpoint overrides
// the TemplateURL base (S3-compatible endpoints, tests); leave it empty for AWS.
func NewUploader(api S3API, region, endpoint string) *Uploader {
	return &Uploader{api: api, region: region, endpoint: strings.TrimRight(endpoint, "/")}
}

// NewS3Uploader returns an uploader through S3 in cfg's region; an
// endpoint in cfg (S3-compatible endpoints, tests) is addressed path-style
// and is the TemplateURL base.
func NewS3Uploader(cfg aws.Config) *Uploader {
	api := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = cfg.BaseEndpoint != nil })
	return NewUploader(api, cfg.Region, aws.ToString(cfg.BaseEndpoint))
}

// Upload stores body at s3://bucket/key and returns the HTTPS URL
// CloudFormation's TemplateURL takes.
func (u *Uploader) Upload(ctx context.Context, bucket, key string, body []byte) (string, error) {
	_, err := u.api.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return "", fmt.Errorf("upload template to s3://%s/%s: %w", bucket, key, err)
	}
	esc := (&url.URL{Path: key}).EscapedPath()
	if u.endpoint != "" {
		return u.endpoint + "/" + bucket + "/" + esc, nil
	}
	if u.region == "" || u.region == "us-east-1" {
		return "https://" + bucket + ".s3.amazonaws.com/" + esc, nil
	}
	return "https://" + bucket + ".s3." + u.region + ".amazonaws.com/" + esc, nil
}
