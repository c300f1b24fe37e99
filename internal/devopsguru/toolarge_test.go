package devopsguru_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	dg "github.com/aws/aws-sdk-go-v2/service/devopsguru"
	"github.com/aws/aws-sdk-go-v2/service/devopsguru/types"

	"github.com/tendhq/tend/internal/devopsguru"
)

// TestBodyTooLarge: a body over the limit is a 413 in the service's error
// shape (a ValidationException naming the field body, with the limit in
// bytes), whether tend's server limit or the handler's own sees it first,
// with or without a Content-Length.
func TestBodyTooLarge(t *testing.T) {
	ts := startTend(t)
	id, secret := ts.key(t, []string{"read", "write"})
	limit := fmt.Sprintf("larger than the limit of %d bytes: send a smaller request", devopsguru.MaxBodyBytes)
	big := `{"MaxResults":10,"x":"` + strings.Repeat("a", devopsguru.MaxBodyBytes) + `"}`

	t.Run("Go SDK", func(t *testing.T) {
		names := make([]string, devopsguru.MaxBodyBytes/100)
		for i := range names {
			names[i] = fmt.Sprintf("stack-%0120d", i)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err := sdkClient(ts.endpoint, id, secret).UpdateResourceCollection(ctx, &dg.UpdateResourceCollectionInput{
			Action: types.UpdateResourceCollectionActionAdd, ResourceCollection: &types.UpdateResourceCollectionFilter{
				CloudFormation: &types.UpdateCloudFormationCollectionFilter{StackNames: names}}})
		var ve *types.ValidationException
		var re *awshttp.ResponseError
		if !errors.As(err, &ve) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusRequestEntityTooLarge ||
			len(ve.Fields) != 1 || *ve.Fields[0].Name != "body" || !strings.Contains(ve.ErrorMessage(), limit) {
			t.Fatalf("err = %v, want a 413 ValidationException on the field body saying %q", err, limit)
		}
	})

	for _, tt := range []struct {
		name    string
		chunked bool // no Content-Length: cut while read
	}{{"Content-Length over the limit", false}, {"chunked body over the limit", true}} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(big)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length
			}
			req, err := http.NewRequest(http.MethodPost, ts.endpoint+"/insights", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tt.chunked != (req.ContentLength == 0) {
				t.Fatalf("Content-Length %d", req.ContentLength)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct {
				Message, Reason string
				Fields          []devopsguru.FieldError
			}
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("X-Amzn-Errortype") != "ValidationException" ||
				got.Reason != "FIELD_VALIDATION_FAILED" || len(got.Fields) != 1 || got.Fields[0].Name != "body" ||
				!strings.Contains(got.Message, "Value at 'body'") || !strings.Contains(got.Message, limit) {
				t.Fatalf("%d %s %+v, want 413 ValidationException on body saying %q", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), got, limit)
			}
		})
	}
}
