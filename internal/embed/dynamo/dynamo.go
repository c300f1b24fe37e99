// Package dynamo is the DynamoDB sink of tend embed: BatchWriteItem, 25
// items a request, in the seed's item shape so the seed's reader code
// works unchanged:
//
//	ImageId   S  the image id (table's partition key)
//	Vector    B  the embedding, little-endian float32
//	DataType  S  "float32"
//	Dimension N  the vector's length (512 for ResNet18)
//
// plus Model (S, the model digest), Checksum (S, SHA-256 of the image),
// Source (S) and CreatedAt (S, RFC 3339). A put replaces the item with the
// same ImageId, so a batch written twice leaves one item per image; Known
// (BatchGetItem) lets a rerun skip what the same model already wrote.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/vectors"
)

// API is the part of the DynamoDB client the sink uses.
type API interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// Sink writes vectors to a DynamoDB table.
type Sink struct {
	client API
	table  string
	// Attempts bounds the BatchWriteItem calls for one chunk while items
	// come back unprocessed (throttling); Backoff is the first wait,
	// doubled each time.
	Attempts int
	Backoff  time.Duration
	sleep    func(context.Context, time.Duration) error
}

var (
	_ embed.Sink    = (*Sink)(nil)
	_ embed.Resumer = (*Sink)(nil)
)

// New returns the sink writing to table.
func New(client API, table string) *Sink {
	return &Sink{client: client, table: table, Attempts: 8, Backoff: 50 * time.Millisecond, sleep: sleep}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Item is a vector in the seed's item shape.
func Item(v embed.Vector) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"ImageId":   &types.AttributeValueMemberS{Value: v.ImageID},
		"Vector":    &types.AttributeValueMemberB{Value: vectors.Encode(v.Values)},
		"DataType":  &types.AttributeValueMemberS{Value: "float32"},
		"Dimension": &types.AttributeValueMemberN{Value: strconv.Itoa(len(v.Values))},
		"Model":     &types.AttributeValueMemberS{Value: v.Model},
		"Checksum":  &types.AttributeValueMemberS{Value: v.Checksum},
		"Source":    &types.AttributeValueMemberS{Value: v.Source},
		"CreatedAt": &types.AttributeValueMemberS{Value: v.CreatedAt.UTC().Format(time.RFC3339Nano)},
	}
}

// ErrUnprocessed: DynamoDB kept handing items back after every attempt.
var ErrUnprocessed = errors.New("items left unprocessed")

// Put writes the vectors, 25 per BatchWriteItem, retrying unprocessed
// items with exponential backoff. It returns nil only when DynamoDB has
// accepted every item.
func (s *Sink) Put(ctx context.Context, vs []embed.Vector) error {
	for i := 0; i < len(vs); i += 25 {
		var reqs []types.WriteRequest
		for _, v := range vs[i:min(i+25, len(vs))] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: Item(v)}})
		}
		pending := map[string][]types.WriteRequest{s.table: reqs}
		wait := s.Backoff
		for attempt := 1; ; attempt++ {
			out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("dynamodb BatchWriteItem to %s: %w", s.table, err)
			}
			left := out.UnprocessedItems[s.table]
			if len(left) == 0 {
				break
			}
			if attempt >= s.Attempts {
				return fmt.Errorf("dynamodb BatchWriteItem to %s: %d of %d %w after %d attempts", s.table, len(left), len(reqs), ErrUnprocessed, attempt)
			}
			if err := s.sleep(ctx, wait); err != nil {
				return err
			}
			wait *= 2
			pending = map[string][]types.WriteRequest{s.table: left}
		}
	}
	return nil
}

// Known reads the Model and Checksum of the items with the ids
// (BatchGetItem, 100 keys a request), so that a rerun skips images already
// written by the same model. An item written by another model is not known
// (the table holds one vector per ImageId: the rerun replaces it).
func (s *Sink) Known(ctx context.Context, model string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for i := 0; i < len(ids); i += 100 {
		var keys []map[string]types.AttributeValue
		for _, id := range ids[i:min(i+100, len(ids))] {
			keys = append(keys, map[string]types.AttributeValue{"ImageId": &types.AttributeValueMemberS{Value: id}})
		}
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ProjectionExpression: aws.String("ImageId, Model, Checksum")}}
		wait := s.Backoff
		for attempt := 1; len(req) > 0; attempt++ {
			res, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("dynamodb BatchGetItem from %s: %w", s.table, err)
			}
			for _, it := range res.Responses[s.table] {
				id, _ := it["ImageId"].(*types.AttributeValueMemberS)
				m, _ := it["Model"].(*types.AttributeValueMemberS)
				sum, _ := it["Checksum"].(*types.AttributeValueMemberS)
				if id != nil && m != nil && sum != nil && m.Value == model {
					out[id.Value] = sum.Value
				}
			}
			req = res.UnprocessedKeys
			if len(req) == 0 {
				break
			}
			if attempt >= s.Attempts {
				return nil, fmt.Errorf("dynamodb BatchGetItem from %s: keys %w after %d attempts", s.table, ErrUnprocessed, attempt)
			}
			if err := s.sleep(ctx, wait); err != nil {
				return nil, err
			}
			wait *= 2
		}
	}
	return out, nil
}

// Table returns the table name.
func (s *Sink) Table() string { return s.table }

// NewClient returns a DynamoDB client for cfg; endpoint, if set, replaces
// AWS's (a local DynamoDB, a test fake).
func NewClient(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}
