package jobs

import (
	"context"
	"errors"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// JobsOfKind lists River's jobs of kind, so tests outside the package can
// read their final states and attempts.
func (j *Jobs) JobsOfKind(ctx context.Context, kind string) ([]*rivertype.JobRow, error) {
	lister, ok := j.client.(interface {
		JobList(context.Context, *river.JobListParams) (*river.JobListResult, error)
	})
	if !ok {
		return nil, errors.New("the River client cannot list jobs")
	}
	res, err := lister.JobList(ctx, river.NewJobListParams().Kinds(kind).First(1000))
	if err != nil {
		return nil, err
	}
	return res.Jobs, nil
}
