package awstest

import (
	"context"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWSConfig returns an aws.Config for clients of the fake: its region,
// static credentials (requests are still SigV4-signed), the fake's HTTP
// client, and the SDK's standard retryer (3 attempts) without sleeps or a
// retry quota, so tests with injected failures stay fast. Pair it with
// BaseEndpoint = f.URL (and UsePathStyle for S3), or tend's
// aws.Config{EndpointURL: f.URL}.
func (f *Fake) AWSConfig() awssdk.Config {
	return awssdk.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		HTTPClient:  f.Client(),
		Retryer: func() awssdk.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
				o.RateLimiter = noRateLimit{}
			})
		},
	}
}

type noRateLimit struct{}

func (noRateLimit) GetToken(context.Context, uint) (func() error, error) {
	return func() error { return nil }, nil
}
func (noRateLimit) AddTokens(uint) error { return nil }

// Launch seeds what launching a Service Catalog product leaves behind: a
// product named productName whose v1 is template, and a running instance
// carrying the tags Service Catalog and CloudFormation put on it
// (aws:servicecatalog:productArn,
// aws:servicecatalog:provisioningArtifactIdentifier,
// aws:cloudformation:logical-id). It returns the product and v1's id.
func (f *Fake) Launch(productName string, template []byte, instanceID, instanceType, logicalID string) (Product, string) {
	prod := f.AddProduct(productName)
	pa := f.AddVersion(prod.ID, "v1", template)
	f.AddInstance(Instance{ID: instanceID, Type: instanceType, Tags: map[string]string{
		"Name":                          productName,
		"aws:servicecatalog:productArn": prod.ARN,
		"aws:servicecatalog:provisioningArtifactIdentifier": pa,
		"aws:cloudformation:logical-id":                     logicalID,
		"aws:cloudformation:stack-name":                     "SC-" + Account + "-pp-" + prod.ID[len("prod-"):],
	}})
	return prod, pa
}
