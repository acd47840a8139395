// Block jobs: start, follow, pivot, abort; and find the ones already running.
export * from './block-job-types.js';
export { BlockJobControl } from './block-job-control.js';
export { JobMonitor, JobNotReadyError, WatchedJob, type BlockJobListener, type JobMonitorOptions, type WatchOptions } from './job-monitor.js';
export { ProgressTracker, type ProgressEstimate, type ProgressSample } from './progress-tracker.js';
export { readDiskMirrors, type DiskMirror } from './disk-mirror.js';
