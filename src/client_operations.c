/*
 * client_operations.c - the 22 operations of the Lookout for Vision API and
 * their shapes, member by member, as the API model states them: HTTP
 * method, URI template and success status; for each input member its
 * location, type, required flag and the min constraint botocore checks
 * client-side; the result key of the four paginated List operations.
 * Shapes come before the shapes that use them.
 */
#include "client_operations.h"

#include <string.h>

static const cli_shape shape_ProjectName = {.name = "ProjectName", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_DatasetType = {.name = "DatasetType", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_S3BucketName = {.name = "S3BucketName", .type = CLI_STRING, .has_min = 1, .min = 3};

static const cli_shape shape_S3ObjectKey = {.name = "S3ObjectKey", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_S3ObjectVersion = {.name = "S3ObjectVersion", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_member members_InputS3Object[] = {
    {"Bucket", &shape_S3BucketName, CLI_IN_BODY, NULL, 1, 0},
    {"Key", &shape_S3ObjectKey, CLI_IN_BODY, NULL, 1, 0},
    {"VersionId", &shape_S3ObjectVersion, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_InputS3Object = {.name = "InputS3Object", .type = CLI_STRUCTURE, .members = members_InputS3Object, .n_members = 3};

static const cli_member members_DatasetGroundTruthManifest[] = {
    {"S3Object", &shape_InputS3Object, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DatasetGroundTruthManifest = {.name = "DatasetGroundTruthManifest", .type = CLI_STRUCTURE, .members = members_DatasetGroundTruthManifest, .n_members = 1};

static const cli_member members_DatasetSource[] = {
    {"GroundTruthManifest", &shape_DatasetGroundTruthManifest, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DatasetSource = {.name = "DatasetSource", .type = CLI_STRUCTURE, .members = members_DatasetSource, .n_members = 1};

static const cli_shape shape_ClientToken = {.name = "ClientToken", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_member members_CreateDatasetRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"DatasetType", &shape_DatasetType, CLI_IN_BODY, NULL, 1, 0},
    {"DatasetSource", &shape_DatasetSource, CLI_IN_BODY, NULL, 0, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
};
static const cli_shape shape_CreateDatasetRequest = {.name = "CreateDatasetRequest", .type = CLI_STRUCTURE, .members = members_CreateDatasetRequest, .n_members = 4};

static const cli_shape shape_DateTime = {.name = "DateTime", .type = CLI_TIMESTAMP};

static const char *const enum_DatasetStatus[] = {"CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_FAILED", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED_ROLLBACK_IN_PROGRESS", "UPDATE_FAILED_ROLLBACK_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_COMPLETE", "DELETE_FAILED", NULL};
static const cli_shape shape_DatasetStatus = {.name = "DatasetStatus", .type = CLI_STRING, .enum_values = enum_DatasetStatus};

static const cli_shape shape_DatasetStatusMessage = {.name = "DatasetStatusMessage", .type = CLI_STRING};

static const cli_member members_DatasetMetadata[] = {
    {"DatasetType", &shape_DatasetType, CLI_IN_BODY, NULL, 0, 0},
    {"CreationTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
    {"Status", &shape_DatasetStatus, CLI_IN_BODY, NULL, 0, 0},
    {"StatusMessage", &shape_DatasetStatusMessage, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DatasetMetadata = {.name = "DatasetMetadata", .type = CLI_STRUCTURE, .members = members_DatasetMetadata, .n_members = 4};

static const cli_member members_CreateDatasetResponse[] = {
    {"DatasetMetadata", &shape_DatasetMetadata, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_CreateDatasetResponse = {.name = "CreateDatasetResponse", .type = CLI_STRUCTURE, .members = members_CreateDatasetResponse, .n_members = 1};

static const cli_shape shape_ModelDescriptionMessage = {.name = "ModelDescriptionMessage", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_S3KeyPrefix = {.name = "S3KeyPrefix", .type = CLI_STRING};

static const cli_member members_S3Location[] = {
    {"Bucket", &shape_S3BucketName, CLI_IN_BODY, NULL, 1, 0},
    {"Prefix", &shape_S3KeyPrefix, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_S3Location = {.name = "S3Location", .type = CLI_STRUCTURE, .members = members_S3Location, .n_members = 2};

static const cli_member members_OutputConfig[] = {
    {"S3Location", &shape_S3Location, CLI_IN_BODY, NULL, 1, 0},
};
static const cli_shape shape_OutputConfig = {.name = "OutputConfig", .type = CLI_STRUCTURE, .members = members_OutputConfig, .n_members = 1};

static const cli_shape shape_KmsKeyId = {.name = "KmsKeyId", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_TagKey = {.name = "TagKey", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_TagValue = {.name = "TagValue", .type = CLI_STRING, .has_min = 1, .min = 0};

static const cli_member members_Tag[] = {
    {"Key", &shape_TagKey, CLI_IN_BODY, NULL, 1, 0},
    {"Value", &shape_TagValue, CLI_IN_BODY, NULL, 1, 0},
};
static const cli_shape shape_Tag = {.name = "Tag", .type = CLI_STRUCTURE, .members = members_Tag, .n_members = 2};

static const cli_shape shape_TagList = {.name = "TagList", .type = CLI_LIST, .element = &shape_Tag, .has_min = 1, .min = 0};

static const cli_member members_CreateModelRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"Description", &shape_ModelDescriptionMessage, CLI_IN_BODY, NULL, 0, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
    {"OutputConfig", &shape_OutputConfig, CLI_IN_BODY, NULL, 1, 0},
    {"KmsKeyId", &shape_KmsKeyId, CLI_IN_BODY, NULL, 0, 0},
    {"Tags", &shape_TagList, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_CreateModelRequest = {.name = "CreateModelRequest", .type = CLI_STRUCTURE, .members = members_CreateModelRequest, .n_members = 6};

static const cli_shape shape_ModelVersion = {.name = "ModelVersion", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_ModelArn = {.name = "ModelArn", .type = CLI_STRING};

static const char *const enum_ModelStatus[] = {"TRAINING", "TRAINED", "TRAINING_FAILED", "STARTING_HOSTING", "HOSTED", "HOSTING_FAILED", "STOPPING_HOSTING", "SYSTEM_UPDATING", "DELETING", NULL};
static const cli_shape shape_ModelStatus = {.name = "ModelStatus", .type = CLI_STRING, .enum_values = enum_ModelStatus};

static const cli_shape shape_ModelStatusMessage = {.name = "ModelStatusMessage", .type = CLI_STRING};

static const cli_shape shape_Float = {.name = "Float", .type = CLI_FLOAT};

static const cli_member members_ModelPerformance[] = {
    {"F1Score", &shape_Float, CLI_IN_BODY, NULL, 0, 0},
    {"Recall", &shape_Float, CLI_IN_BODY, NULL, 0, 0},
    {"Precision", &shape_Float, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ModelPerformance = {.name = "ModelPerformance", .type = CLI_STRUCTURE, .members = members_ModelPerformance, .n_members = 3};

static const cli_member members_ModelMetadata[] = {
    {"CreationTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
    {"ModelVersion", &shape_ModelVersion, CLI_IN_BODY, NULL, 0, 0},
    {"ModelArn", &shape_ModelArn, CLI_IN_BODY, NULL, 0, 0},
    {"Description", &shape_ModelDescriptionMessage, CLI_IN_BODY, NULL, 0, 0},
    {"Status", &shape_ModelStatus, CLI_IN_BODY, NULL, 0, 0},
    {"StatusMessage", &shape_ModelStatusMessage, CLI_IN_BODY, NULL, 0, 0},
    {"Performance", &shape_ModelPerformance, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ModelMetadata = {.name = "ModelMetadata", .type = CLI_STRUCTURE, .members = members_ModelMetadata, .n_members = 7};

static const cli_member members_CreateModelResponse[] = {
    {"ModelMetadata", &shape_ModelMetadata, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_CreateModelResponse = {.name = "CreateModelResponse", .type = CLI_STRUCTURE, .members = members_CreateModelResponse, .n_members = 1};

static const cli_member members_CreateProjectRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_BODY, NULL, 1, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
};
static const cli_shape shape_CreateProjectRequest = {.name = "CreateProjectRequest", .type = CLI_STRUCTURE, .members = members_CreateProjectRequest, .n_members = 2};

static const cli_shape shape_ProjectArn = {.name = "ProjectArn", .type = CLI_STRING};

static const cli_member members_ProjectMetadata[] = {
    {"ProjectArn", &shape_ProjectArn, CLI_IN_BODY, NULL, 0, 0},
    {"ProjectName", &shape_ProjectName, CLI_IN_BODY, NULL, 0, 0},
    {"CreationTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ProjectMetadata = {.name = "ProjectMetadata", .type = CLI_STRUCTURE, .members = members_ProjectMetadata, .n_members = 3};

static const cli_member members_CreateProjectResponse[] = {
    {"ProjectMetadata", &shape_ProjectMetadata, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_CreateProjectResponse = {.name = "CreateProjectResponse", .type = CLI_STRUCTURE, .members = members_CreateProjectResponse, .n_members = 1};

static const cli_member members_DeleteDatasetRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"DatasetType", &shape_DatasetType, CLI_IN_URI, "datasetType", 1, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
};
static const cli_shape shape_DeleteDatasetRequest = {.name = "DeleteDatasetRequest", .type = CLI_STRUCTURE, .members = members_DeleteDatasetRequest, .n_members = 3};

static const cli_member members_DeleteDatasetResponse[] = {
};
static const cli_shape shape_DeleteDatasetResponse = {.name = "DeleteDatasetResponse", .type = CLI_STRUCTURE, .members = members_DeleteDatasetResponse, .n_members = 0};

static const cli_shape shape_ModelVersionNoLatest = {.name = "ModelVersionNoLatest", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_member members_DeleteModelRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"ModelVersion", &shape_ModelVersionNoLatest, CLI_IN_URI, "modelVersion", 1, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
};
static const cli_shape shape_DeleteModelRequest = {.name = "DeleteModelRequest", .type = CLI_STRUCTURE, .members = members_DeleteModelRequest, .n_members = 3};

static const cli_member members_DeleteModelResponse[] = {
    {"ModelArn", &shape_ModelArn, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DeleteModelResponse = {.name = "DeleteModelResponse", .type = CLI_STRUCTURE, .members = members_DeleteModelResponse, .n_members = 1};

static const cli_member members_DeleteProjectRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
};
static const cli_shape shape_DeleteProjectRequest = {.name = "DeleteProjectRequest", .type = CLI_STRUCTURE, .members = members_DeleteProjectRequest, .n_members = 2};

static const cli_member members_DeleteProjectResponse[] = {
    {"ProjectArn", &shape_ProjectArn, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DeleteProjectResponse = {.name = "DeleteProjectResponse", .type = CLI_STRUCTURE, .members = members_DeleteProjectResponse, .n_members = 1};

static const cli_member members_DescribeDatasetRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"DatasetType", &shape_DatasetType, CLI_IN_URI, "datasetType", 1, 0},
};
static const cli_shape shape_DescribeDatasetRequest = {.name = "DescribeDatasetRequest", .type = CLI_STRUCTURE, .members = members_DescribeDatasetRequest, .n_members = 2};

static const cli_shape shape_Integer = {.name = "Integer", .type = CLI_INTEGER};

static const cli_member members_DatasetImageStats[] = {
    {"Total", &shape_Integer, CLI_IN_BODY, NULL, 0, 0},
    {"Labeled", &shape_Integer, CLI_IN_BODY, NULL, 0, 0},
    {"Normal", &shape_Integer, CLI_IN_BODY, NULL, 0, 0},
    {"Anomaly", &shape_Integer, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DatasetImageStats = {.name = "DatasetImageStats", .type = CLI_STRUCTURE, .members = members_DatasetImageStats, .n_members = 4};

static const cli_member members_DatasetDescription[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_BODY, NULL, 0, 0},
    {"DatasetType", &shape_DatasetType, CLI_IN_BODY, NULL, 0, 0},
    {"CreationTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
    {"LastUpdatedTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
    {"Status", &shape_DatasetStatus, CLI_IN_BODY, NULL, 0, 0},
    {"StatusMessage", &shape_DatasetStatusMessage, CLI_IN_BODY, NULL, 0, 0},
    {"ImageStats", &shape_DatasetImageStats, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DatasetDescription = {.name = "DatasetDescription", .type = CLI_STRUCTURE, .members = members_DatasetDescription, .n_members = 7};

static const cli_member members_DescribeDatasetResponse[] = {
    {"DatasetDescription", &shape_DatasetDescription, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DescribeDatasetResponse = {.name = "DescribeDatasetResponse", .type = CLI_STRUCTURE, .members = members_DescribeDatasetResponse, .n_members = 1};

static const cli_member members_DescribeModelRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"ModelVersion", &shape_ModelVersion, CLI_IN_URI, "modelVersion", 1, 0},
};
static const cli_shape shape_DescribeModelRequest = {.name = "DescribeModelRequest", .type = CLI_STRUCTURE, .members = members_DescribeModelRequest, .n_members = 2};

static const cli_member members_OutputS3Object[] = {
    {"Bucket", &shape_S3BucketName, CLI_IN_BODY, NULL, 1, 0},
    {"Key", &shape_S3ObjectKey, CLI_IN_BODY, NULL, 1, 0},
};
static const cli_shape shape_OutputS3Object = {.name = "OutputS3Object", .type = CLI_STRUCTURE, .members = members_OutputS3Object, .n_members = 2};

static const cli_shape shape_InferenceUnits = {.name = "InferenceUnits", .type = CLI_INTEGER, .has_min = 1, .min = 1};

static const cli_member members_ModelDescription[] = {
    {"ModelVersion", &shape_ModelVersion, CLI_IN_BODY, NULL, 0, 0},
    {"ModelArn", &shape_ModelArn, CLI_IN_BODY, NULL, 0, 0},
    {"CreationTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
    {"Description", &shape_ModelDescriptionMessage, CLI_IN_BODY, NULL, 0, 0},
    {"Status", &shape_ModelStatus, CLI_IN_BODY, NULL, 0, 0},
    {"StatusMessage", &shape_ModelStatusMessage, CLI_IN_BODY, NULL, 0, 0},
    {"Performance", &shape_ModelPerformance, CLI_IN_BODY, NULL, 0, 0},
    {"OutputConfig", &shape_OutputConfig, CLI_IN_BODY, NULL, 0, 0},
    {"EvaluationManifest", &shape_OutputS3Object, CLI_IN_BODY, NULL, 0, 0},
    {"EvaluationResult", &shape_OutputS3Object, CLI_IN_BODY, NULL, 0, 0},
    {"EvaluationEndTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
    {"KmsKeyId", &shape_KmsKeyId, CLI_IN_BODY, NULL, 0, 0},
    {"MinInferenceUnits", &shape_InferenceUnits, CLI_IN_BODY, NULL, 0, 0},
    {"MaxInferenceUnits", &shape_InferenceUnits, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ModelDescription = {.name = "ModelDescription", .type = CLI_STRUCTURE, .members = members_ModelDescription, .n_members = 14};

static const cli_member members_DescribeModelResponse[] = {
    {"ModelDescription", &shape_ModelDescription, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DescribeModelResponse = {.name = "DescribeModelResponse", .type = CLI_STRUCTURE, .members = members_DescribeModelResponse, .n_members = 1};

static const cli_shape shape_ModelPackagingJobName = {.name = "ModelPackagingJobName", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_member members_DescribeModelPackagingJobRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"JobName", &shape_ModelPackagingJobName, CLI_IN_URI, "jobName", 1, 0},
};
static const cli_shape shape_DescribeModelPackagingJobRequest = {.name = "DescribeModelPackagingJobRequest", .type = CLI_STRUCTURE, .members = members_DescribeModelPackagingJobRequest, .n_members = 2};

static const cli_shape shape_CompilerOptions = {.name = "CompilerOptions", .type = CLI_STRING, .has_min = 1, .min = 3};

static const char *const enum_TargetDevice[] = {"jetson_xavier", NULL};
static const cli_shape shape_TargetDevice = {.name = "TargetDevice", .type = CLI_STRING, .enum_values = enum_TargetDevice};

static const char *const enum_TargetPlatformOs[] = {"LINUX", NULL};
static const cli_shape shape_TargetPlatformOs = {.name = "TargetPlatformOs", .type = CLI_STRING, .enum_values = enum_TargetPlatformOs};

static const char *const enum_TargetPlatformArch[] = {"ARM64", "X86_64", NULL};
static const cli_shape shape_TargetPlatformArch = {.name = "TargetPlatformArch", .type = CLI_STRING, .enum_values = enum_TargetPlatformArch};

static const char *const enum_TargetPlatformAccelerator[] = {"NVIDIA", NULL};
static const cli_shape shape_TargetPlatformAccelerator = {.name = "TargetPlatformAccelerator", .type = CLI_STRING, .enum_values = enum_TargetPlatformAccelerator};

static const cli_member members_TargetPlatform[] = {
    {"Os", &shape_TargetPlatformOs, CLI_IN_BODY, NULL, 1, 0},
    {"Arch", &shape_TargetPlatformArch, CLI_IN_BODY, NULL, 1, 0},
    {"Accelerator", &shape_TargetPlatformAccelerator, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_TargetPlatform = {.name = "TargetPlatform", .type = CLI_STRUCTURE, .members = members_TargetPlatform, .n_members = 3};

static const cli_shape shape_ComponentName = {.name = "ComponentName", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_ComponentVersion = {.name = "ComponentVersion", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_ComponentDescription = {.name = "ComponentDescription", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_member members_GreengrassConfiguration[] = {
    {"CompilerOptions", &shape_CompilerOptions, CLI_IN_BODY, NULL, 0, 0},
    {"TargetDevice", &shape_TargetDevice, CLI_IN_BODY, NULL, 0, 0},
    {"TargetPlatform", &shape_TargetPlatform, CLI_IN_BODY, NULL, 0, 0},
    {"S3OutputLocation", &shape_S3Location, CLI_IN_BODY, NULL, 1, 0},
    {"ComponentName", &shape_ComponentName, CLI_IN_BODY, NULL, 1, 0},
    {"ComponentVersion", &shape_ComponentVersion, CLI_IN_BODY, NULL, 0, 0},
    {"ComponentDescription", &shape_ComponentDescription, CLI_IN_BODY, NULL, 0, 0},
    {"Tags", &shape_TagList, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_GreengrassConfiguration = {.name = "GreengrassConfiguration", .type = CLI_STRUCTURE, .members = members_GreengrassConfiguration, .n_members = 8};

static const cli_member members_ModelPackagingConfiguration[] = {
    {"Greengrass", &shape_GreengrassConfiguration, CLI_IN_BODY, NULL, 1, 0},
};
static const cli_shape shape_ModelPackagingConfiguration = {.name = "ModelPackagingConfiguration", .type = CLI_STRUCTURE, .members = members_ModelPackagingConfiguration, .n_members = 1};

static const cli_shape shape_ModelPackagingJobDescription = {.name = "ModelPackagingJobDescription", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_ModelPackagingMethod = {.name = "ModelPackagingMethod", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_ComponentVersionArn = {.name = "ComponentVersionArn", .type = CLI_STRING};

static const cli_member members_GreengrassOutputDetails[] = {
    {"ComponentVersionArn", &shape_ComponentVersionArn, CLI_IN_BODY, NULL, 0, 0},
    {"ComponentName", &shape_ComponentName, CLI_IN_BODY, NULL, 0, 0},
    {"ComponentVersion", &shape_ComponentVersion, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_GreengrassOutputDetails = {.name = "GreengrassOutputDetails", .type = CLI_STRUCTURE, .members = members_GreengrassOutputDetails, .n_members = 3};

static const cli_member members_ModelPackagingOutputDetails[] = {
    {"Greengrass", &shape_GreengrassOutputDetails, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ModelPackagingOutputDetails = {.name = "ModelPackagingOutputDetails", .type = CLI_STRUCTURE, .members = members_ModelPackagingOutputDetails, .n_members = 1};

static const char *const enum_ModelPackagingJobStatus[] = {"CREATED", "RUNNING", "SUCCEEDED", "FAILED", NULL};
static const cli_shape shape_ModelPackagingJobStatus = {.name = "ModelPackagingJobStatus", .type = CLI_STRING, .enum_values = enum_ModelPackagingJobStatus};

static const cli_shape shape_ModelPackagingStatusMessage = {.name = "ModelPackagingStatusMessage", .type = CLI_STRING};

static const cli_member members_ModelPackagingDescription[] = {
    {"JobName", &shape_ModelPackagingJobName, CLI_IN_BODY, NULL, 0, 0},
    {"ProjectName", &shape_ProjectName, CLI_IN_BODY, NULL, 0, 0},
    {"ModelVersion", &shape_ModelVersion, CLI_IN_BODY, NULL, 0, 0},
    {"ModelPackagingConfiguration", &shape_ModelPackagingConfiguration, CLI_IN_BODY, NULL, 0, 0},
    {"ModelPackagingJobDescription", &shape_ModelPackagingJobDescription, CLI_IN_BODY, NULL, 0, 0},
    {"ModelPackagingMethod", &shape_ModelPackagingMethod, CLI_IN_BODY, NULL, 0, 0},
    {"ModelPackagingOutputDetails", &shape_ModelPackagingOutputDetails, CLI_IN_BODY, NULL, 0, 0},
    {"Status", &shape_ModelPackagingJobStatus, CLI_IN_BODY, NULL, 0, 0},
    {"StatusMessage", &shape_ModelPackagingStatusMessage, CLI_IN_BODY, NULL, 0, 0},
    {"CreationTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
    {"LastUpdatedTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ModelPackagingDescription = {.name = "ModelPackagingDescription", .type = CLI_STRUCTURE, .members = members_ModelPackagingDescription, .n_members = 11};

static const cli_member members_DescribeModelPackagingJobResponse[] = {
    {"ModelPackagingDescription", &shape_ModelPackagingDescription, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DescribeModelPackagingJobResponse = {.name = "DescribeModelPackagingJobResponse", .type = CLI_STRUCTURE, .members = members_DescribeModelPackagingJobResponse, .n_members = 1};

static const cli_member members_DescribeProjectRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
};
static const cli_shape shape_DescribeProjectRequest = {.name = "DescribeProjectRequest", .type = CLI_STRUCTURE, .members = members_DescribeProjectRequest, .n_members = 1};

static const cli_shape shape_DatasetMetadataList = {.name = "DatasetMetadataList", .type = CLI_LIST, .element = &shape_DatasetMetadata};

static const cli_member members_ProjectDescription[] = {
    {"ProjectArn", &shape_ProjectArn, CLI_IN_BODY, NULL, 0, 0},
    {"ProjectName", &shape_ProjectName, CLI_IN_BODY, NULL, 0, 0},
    {"CreationTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
    {"Datasets", &shape_DatasetMetadataList, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ProjectDescription = {.name = "ProjectDescription", .type = CLI_STRUCTURE, .members = members_ProjectDescription, .n_members = 4};

static const cli_member members_DescribeProjectResponse[] = {
    {"ProjectDescription", &shape_ProjectDescription, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DescribeProjectResponse = {.name = "DescribeProjectResponse", .type = CLI_STRUCTURE, .members = members_DescribeProjectResponse, .n_members = 1};

static const cli_shape shape_Stream = {.name = "Stream", .type = CLI_BLOB, .streaming = 1};

static const cli_shape shape_ContentType = {.name = "ContentType", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_member members_DetectAnomaliesRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"ModelVersion", &shape_ModelVersion, CLI_IN_URI, "modelVersion", 1, 0},
    {"Body", &shape_Stream, CLI_IN_BODY, NULL, 1, 0},
    {"ContentType", &shape_ContentType, CLI_IN_HEADER, "Content-Type", 1, 0},
};
static const cli_shape shape_DetectAnomaliesRequest = {.name = "DetectAnomaliesRequest", .type = CLI_STRUCTURE, .members = members_DetectAnomaliesRequest, .n_members = 4, .payload = "Body"};

static const cli_shape shape_ImageSourceType = {.name = "ImageSourceType", .type = CLI_STRING};

static const cli_member members_ImageSource[] = {
    {"Type", &shape_ImageSourceType, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ImageSource = {.name = "ImageSource", .type = CLI_STRUCTURE, .members = members_ImageSource, .n_members = 1};

static const cli_shape shape_Boolean = {.name = "Boolean", .type = CLI_BOOLEAN};

static const cli_shape shape_AnomalyName = {.name = "AnomalyName", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_Color = {.name = "Color", .type = CLI_STRING, .has_min = 1, .min = 7};

static const cli_member members_PixelAnomaly[] = {
    {"TotalPercentageArea", &shape_Float, CLI_IN_BODY, NULL, 0, 0},
    {"Color", &shape_Color, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_PixelAnomaly = {.name = "PixelAnomaly", .type = CLI_STRUCTURE, .members = members_PixelAnomaly, .n_members = 2};

static const cli_member members_Anomaly[] = {
    {"Name", &shape_AnomalyName, CLI_IN_BODY, NULL, 0, 0},
    {"PixelAnomaly", &shape_PixelAnomaly, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_Anomaly = {.name = "Anomaly", .type = CLI_STRUCTURE, .members = members_Anomaly, .n_members = 2};

static const cli_shape shape_AnomalyList = {.name = "AnomalyList", .type = CLI_LIST, .element = &shape_Anomaly};

static const cli_shape shape_AnomalyMask = {.name = "AnomalyMask", .type = CLI_BLOB, .has_min = 1, .min = 1};

static const cli_member members_DetectAnomalyResult[] = {
    {"Source", &shape_ImageSource, CLI_IN_BODY, NULL, 0, 0},
    {"IsAnomalous", &shape_Boolean, CLI_IN_BODY, NULL, 0, 0},
    {"Confidence", &shape_Float, CLI_IN_BODY, NULL, 0, 0},
    {"Anomalies", &shape_AnomalyList, CLI_IN_BODY, NULL, 0, 0},
    {"AnomalyMask", &shape_AnomalyMask, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DetectAnomalyResult = {.name = "DetectAnomalyResult", .type = CLI_STRUCTURE, .members = members_DetectAnomalyResult, .n_members = 5};

static const cli_member members_DetectAnomaliesResponse[] = {
    {"DetectAnomalyResult", &shape_DetectAnomalyResult, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_DetectAnomaliesResponse = {.name = "DetectAnomaliesResponse", .type = CLI_STRUCTURE, .members = members_DetectAnomaliesResponse, .n_members = 1};

static const cli_shape shape_IsLabeled = {.name = "IsLabeled", .type = CLI_BOOLEAN};

static const cli_shape shape_AnomalyClassFilter = {.name = "AnomalyClassFilter", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_shape shape_PaginationToken = {.name = "PaginationToken", .type = CLI_STRING};

static const cli_shape shape_PageSize = {.name = "PageSize", .type = CLI_INTEGER, .has_min = 1, .min = 1};

static const cli_shape shape_QueryString = {.name = "QueryString", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_member members_ListDatasetEntriesRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"DatasetType", &shape_DatasetType, CLI_IN_URI, "datasetType", 1, 0},
    {"Labeled", &shape_IsLabeled, CLI_IN_QUERY, "labeled", 0, 0},
    {"AnomalyClass", &shape_AnomalyClassFilter, CLI_IN_QUERY, "anomalyClass", 0, 0},
    {"BeforeCreationDate", &shape_DateTime, CLI_IN_QUERY, "createdBefore", 0, 0},
    {"AfterCreationDate", &shape_DateTime, CLI_IN_QUERY, "createdAfter", 0, 0},
    {"NextToken", &shape_PaginationToken, CLI_IN_QUERY, "nextToken", 0, 0},
    {"MaxResults", &shape_PageSize, CLI_IN_QUERY, "maxResults", 0, 0},
    {"SourceRefContains", &shape_QueryString, CLI_IN_QUERY, "sourceRefContains", 0, 0},
};
static const cli_shape shape_ListDatasetEntriesRequest = {.name = "ListDatasetEntriesRequest", .type = CLI_STRUCTURE, .members = members_ListDatasetEntriesRequest, .n_members = 9};

static const cli_shape shape_DatasetEntry = {.name = "DatasetEntry", .type = CLI_STRING, .has_min = 1, .min = 2};

static const cli_shape shape_DatasetEntryList = {.name = "DatasetEntryList", .type = CLI_LIST, .element = &shape_DatasetEntry};

static const cli_member members_ListDatasetEntriesResponse[] = {
    {"DatasetEntries", &shape_DatasetEntryList, CLI_IN_BODY, NULL, 0, 0},
    {"NextToken", &shape_PaginationToken, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ListDatasetEntriesResponse = {.name = "ListDatasetEntriesResponse", .type = CLI_STRUCTURE, .members = members_ListDatasetEntriesResponse, .n_members = 2};

static const cli_member members_ListModelPackagingJobsRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"NextToken", &shape_PaginationToken, CLI_IN_QUERY, "nextToken", 0, 0},
    {"MaxResults", &shape_PageSize, CLI_IN_QUERY, "maxResults", 0, 0},
};
static const cli_shape shape_ListModelPackagingJobsRequest = {.name = "ListModelPackagingJobsRequest", .type = CLI_STRUCTURE, .members = members_ListModelPackagingJobsRequest, .n_members = 3};

static const cli_member members_ModelPackagingJobMetadata[] = {
    {"JobName", &shape_ModelPackagingJobName, CLI_IN_BODY, NULL, 0, 0},
    {"ProjectName", &shape_ProjectName, CLI_IN_BODY, NULL, 0, 0},
    {"ModelVersion", &shape_ModelVersion, CLI_IN_BODY, NULL, 0, 0},
    {"ModelPackagingJobDescription", &shape_ModelPackagingJobDescription, CLI_IN_BODY, NULL, 0, 0},
    {"ModelPackagingMethod", &shape_ModelPackagingMethod, CLI_IN_BODY, NULL, 0, 0},
    {"Status", &shape_ModelPackagingJobStatus, CLI_IN_BODY, NULL, 0, 0},
    {"StatusMessage", &shape_ModelPackagingStatusMessage, CLI_IN_BODY, NULL, 0, 0},
    {"CreationTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
    {"LastUpdatedTimestamp", &shape_DateTime, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ModelPackagingJobMetadata = {.name = "ModelPackagingJobMetadata", .type = CLI_STRUCTURE, .members = members_ModelPackagingJobMetadata, .n_members = 9};

static const cli_shape shape_ModelPackagingJobsList = {.name = "ModelPackagingJobsList", .type = CLI_LIST, .element = &shape_ModelPackagingJobMetadata};

static const cli_member members_ListModelPackagingJobsResponse[] = {
    {"ModelPackagingJobs", &shape_ModelPackagingJobsList, CLI_IN_BODY, NULL, 0, 0},
    {"NextToken", &shape_PaginationToken, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ListModelPackagingJobsResponse = {.name = "ListModelPackagingJobsResponse", .type = CLI_STRUCTURE, .members = members_ListModelPackagingJobsResponse, .n_members = 2};

static const cli_member members_ListModelsRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"NextToken", &shape_PaginationToken, CLI_IN_QUERY, "nextToken", 0, 0},
    {"MaxResults", &shape_PageSize, CLI_IN_QUERY, "maxResults", 0, 0},
};
static const cli_shape shape_ListModelsRequest = {.name = "ListModelsRequest", .type = CLI_STRUCTURE, .members = members_ListModelsRequest, .n_members = 3};

static const cli_shape shape_ModelMetadataList = {.name = "ModelMetadataList", .type = CLI_LIST, .element = &shape_ModelMetadata};

static const cli_member members_ListModelsResponse[] = {
    {"Models", &shape_ModelMetadataList, CLI_IN_BODY, NULL, 0, 0},
    {"NextToken", &shape_PaginationToken, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ListModelsResponse = {.name = "ListModelsResponse", .type = CLI_STRUCTURE, .members = members_ListModelsResponse, .n_members = 2};

static const cli_member members_ListProjectsRequest[] = {
    {"NextToken", &shape_PaginationToken, CLI_IN_QUERY, "nextToken", 0, 0},
    {"MaxResults", &shape_PageSize, CLI_IN_QUERY, "maxResults", 0, 0},
};
static const cli_shape shape_ListProjectsRequest = {.name = "ListProjectsRequest", .type = CLI_STRUCTURE, .members = members_ListProjectsRequest, .n_members = 2};

static const cli_shape shape_ProjectMetadataList = {.name = "ProjectMetadataList", .type = CLI_LIST, .element = &shape_ProjectMetadata};

static const cli_member members_ListProjectsResponse[] = {
    {"Projects", &shape_ProjectMetadataList, CLI_IN_BODY, NULL, 0, 0},
    {"NextToken", &shape_PaginationToken, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ListProjectsResponse = {.name = "ListProjectsResponse", .type = CLI_STRUCTURE, .members = members_ListProjectsResponse, .n_members = 2};

static const cli_shape shape_TagArn = {.name = "TagArn", .type = CLI_STRING, .has_min = 1, .min = 1};

static const cli_member members_ListTagsForResourceRequest[] = {
    {"ResourceArn", &shape_TagArn, CLI_IN_URI, "resourceArn", 1, 0},
};
static const cli_shape shape_ListTagsForResourceRequest = {.name = "ListTagsForResourceRequest", .type = CLI_STRUCTURE, .members = members_ListTagsForResourceRequest, .n_members = 1};

static const cli_member members_ListTagsForResourceResponse[] = {
    {"Tags", &shape_TagList, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_ListTagsForResourceResponse = {.name = "ListTagsForResourceResponse", .type = CLI_STRUCTURE, .members = members_ListTagsForResourceResponse, .n_members = 1};

static const cli_member members_StartModelRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"ModelVersion", &shape_ModelVersion, CLI_IN_URI, "modelVersion", 1, 0},
    {"MinInferenceUnits", &shape_InferenceUnits, CLI_IN_BODY, NULL, 1, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
    {"MaxInferenceUnits", &shape_InferenceUnits, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_StartModelRequest = {.name = "StartModelRequest", .type = CLI_STRUCTURE, .members = members_StartModelRequest, .n_members = 5};

static const char *const enum_ModelHostingStatus[] = {"STARTING_HOSTING", "HOSTED", "HOSTING_FAILED", "STOPPING_HOSTING", "SYSTEM_UPDATING", NULL};
static const cli_shape shape_ModelHostingStatus = {.name = "ModelHostingStatus", .type = CLI_STRING, .enum_values = enum_ModelHostingStatus};

static const cli_member members_StartModelResponse[] = {
    {"Status", &shape_ModelHostingStatus, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_StartModelResponse = {.name = "StartModelResponse", .type = CLI_STRUCTURE, .members = members_StartModelResponse, .n_members = 1};

static const cli_member members_StartModelPackagingJobRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"ModelVersion", &shape_ModelVersion, CLI_IN_BODY, NULL, 1, 0},
    {"JobName", &shape_ModelPackagingJobName, CLI_IN_BODY, NULL, 0, 0},
    {"Configuration", &shape_ModelPackagingConfiguration, CLI_IN_BODY, NULL, 1, 0},
    {"Description", &shape_ModelPackagingJobDescription, CLI_IN_BODY, NULL, 0, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
};
static const cli_shape shape_StartModelPackagingJobRequest = {.name = "StartModelPackagingJobRequest", .type = CLI_STRUCTURE, .members = members_StartModelPackagingJobRequest, .n_members = 6};

static const cli_member members_StartModelPackagingJobResponse[] = {
    {"JobName", &shape_ModelPackagingJobName, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_StartModelPackagingJobResponse = {.name = "StartModelPackagingJobResponse", .type = CLI_STRUCTURE, .members = members_StartModelPackagingJobResponse, .n_members = 1};

static const cli_member members_StopModelRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"ModelVersion", &shape_ModelVersion, CLI_IN_URI, "modelVersion", 1, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
};
static const cli_shape shape_StopModelRequest = {.name = "StopModelRequest", .type = CLI_STRUCTURE, .members = members_StopModelRequest, .n_members = 3};

static const cli_member members_StopModelResponse[] = {
    {"Status", &shape_ModelHostingStatus, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_StopModelResponse = {.name = "StopModelResponse", .type = CLI_STRUCTURE, .members = members_StopModelResponse, .n_members = 1};

static const cli_member members_TagResourceRequest[] = {
    {"ResourceArn", &shape_TagArn, CLI_IN_URI, "resourceArn", 1, 0},
    {"Tags", &shape_TagList, CLI_IN_BODY, NULL, 1, 0},
};
static const cli_shape shape_TagResourceRequest = {.name = "TagResourceRequest", .type = CLI_STRUCTURE, .members = members_TagResourceRequest, .n_members = 2};

static const cli_member members_TagResourceResponse[] = {
};
static const cli_shape shape_TagResourceResponse = {.name = "TagResourceResponse", .type = CLI_STRUCTURE, .members = members_TagResourceResponse, .n_members = 0};

static const cli_shape shape_TagKeyList = {.name = "TagKeyList", .type = CLI_LIST, .element = &shape_TagKey, .has_min = 1, .min = 0};

static const cli_member members_UntagResourceRequest[] = {
    {"ResourceArn", &shape_TagArn, CLI_IN_URI, "resourceArn", 1, 0},
    {"TagKeys", &shape_TagKeyList, CLI_IN_QUERY, "tagKeys", 1, 0},
};
static const cli_shape shape_UntagResourceRequest = {.name = "UntagResourceRequest", .type = CLI_STRUCTURE, .members = members_UntagResourceRequest, .n_members = 2};

static const cli_member members_UntagResourceResponse[] = {
};
static const cli_shape shape_UntagResourceResponse = {.name = "UntagResourceResponse", .type = CLI_STRUCTURE, .members = members_UntagResourceResponse, .n_members = 0};

static const cli_shape shape_DatasetChanges = {.name = "DatasetChanges", .type = CLI_BLOB, .has_min = 1, .min = 1};

static const cli_member members_UpdateDatasetEntriesRequest[] = {
    {"ProjectName", &shape_ProjectName, CLI_IN_URI, "projectName", 1, 0},
    {"DatasetType", &shape_DatasetType, CLI_IN_URI, "datasetType", 1, 0},
    {"Changes", &shape_DatasetChanges, CLI_IN_BODY, NULL, 1, 0},
    {"ClientToken", &shape_ClientToken, CLI_IN_HEADER, "X-Amzn-Client-Token", 0, 1},
};
static const cli_shape shape_UpdateDatasetEntriesRequest = {.name = "UpdateDatasetEntriesRequest", .type = CLI_STRUCTURE, .members = members_UpdateDatasetEntriesRequest, .n_members = 4};

static const cli_member members_UpdateDatasetEntriesResponse[] = {
    {"Status", &shape_DatasetStatus, CLI_IN_BODY, NULL, 0, 0},
};
static const cli_shape shape_UpdateDatasetEntriesResponse = {.name = "UpdateDatasetEntriesResponse", .type = CLI_STRUCTURE, .members = members_UpdateDatasetEntriesResponse, .n_members = 1};

const cli_operation cli_operations[] = {
    {"CreateDataset", "create-dataset", "POST", "/2020-11-20/projects/{projectName}/datasets", 202, &shape_CreateDatasetRequest, &shape_CreateDatasetResponse, NULL},
    {"CreateModel", "create-model", "POST", "/2020-11-20/projects/{projectName}/models", 202, &shape_CreateModelRequest, &shape_CreateModelResponse, NULL},
    {"CreateProject", "create-project", "POST", "/2020-11-20/projects", 200, &shape_CreateProjectRequest, &shape_CreateProjectResponse, NULL},
    {"DeleteDataset", "delete-dataset", "DELETE", "/2020-11-20/projects/{projectName}/datasets/{datasetType}", 202, &shape_DeleteDatasetRequest, &shape_DeleteDatasetResponse, NULL},
    {"DeleteModel", "delete-model", "DELETE", "/2020-11-20/projects/{projectName}/models/{modelVersion}", 202, &shape_DeleteModelRequest, &shape_DeleteModelResponse, NULL},
    {"DeleteProject", "delete-project", "DELETE", "/2020-11-20/projects/{projectName}", 200, &shape_DeleteProjectRequest, &shape_DeleteProjectResponse, NULL},
    {"DescribeDataset", "describe-dataset", "GET", "/2020-11-20/projects/{projectName}/datasets/{datasetType}", 200, &shape_DescribeDatasetRequest, &shape_DescribeDatasetResponse, NULL},
    {"DescribeModel", "describe-model", "GET", "/2020-11-20/projects/{projectName}/models/{modelVersion}", 200, &shape_DescribeModelRequest, &shape_DescribeModelResponse, NULL},
    {"DescribeModelPackagingJob", "describe-model-packaging-job", "GET", "/2020-11-20/projects/{projectName}/modelpackagingjobs/{jobName}", 200, &shape_DescribeModelPackagingJobRequest, &shape_DescribeModelPackagingJobResponse, NULL},
    {"DescribeProject", "describe-project", "GET", "/2020-11-20/projects/{projectName}", 200, &shape_DescribeProjectRequest, &shape_DescribeProjectResponse, NULL},
    {"DetectAnomalies", "detect-anomalies", "POST", "/2020-11-20/projects/{projectName}/models/{modelVersion}/detect", 200, &shape_DetectAnomaliesRequest, &shape_DetectAnomaliesResponse, NULL},
    {"ListDatasetEntries", "list-dataset-entries", "GET", "/2020-11-20/projects/{projectName}/datasets/{datasetType}/entries", 200, &shape_ListDatasetEntriesRequest, &shape_ListDatasetEntriesResponse, "DatasetEntries"},
    {"ListModelPackagingJobs", "list-model-packaging-jobs", "GET", "/2020-11-20/projects/{projectName}/modelpackagingjobs", 200, &shape_ListModelPackagingJobsRequest, &shape_ListModelPackagingJobsResponse, "ModelPackagingJobs"},
    {"ListModels", "list-models", "GET", "/2020-11-20/projects/{projectName}/models", 200, &shape_ListModelsRequest, &shape_ListModelsResponse, "Models"},
    {"ListProjects", "list-projects", "GET", "/2020-11-20/projects", 200, &shape_ListProjectsRequest, &shape_ListProjectsResponse, "Projects"},
    {"ListTagsForResource", "list-tags-for-resource", "GET", "/2020-11-20/tags/{resourceArn}", 200, &shape_ListTagsForResourceRequest, &shape_ListTagsForResourceResponse, NULL},
    {"StartModel", "start-model", "POST", "/2020-11-20/projects/{projectName}/models/{modelVersion}/start", 202, &shape_StartModelRequest, &shape_StartModelResponse, NULL},
    {"StartModelPackagingJob", "start-model-packaging-job", "POST", "/2020-11-20/projects/{projectName}/modelpackagingjobs", 200, &shape_StartModelPackagingJobRequest, &shape_StartModelPackagingJobResponse, NULL},
    {"StopModel", "stop-model", "POST", "/2020-11-20/projects/{projectName}/models/{modelVersion}/stop", 202, &shape_StopModelRequest, &shape_StopModelResponse, NULL},
    {"TagResource", "tag-resource", "POST", "/2020-11-20/tags/{resourceArn}", 200, &shape_TagResourceRequest, &shape_TagResourceResponse, NULL},
    {"UntagResource", "untag-resource", "DELETE", "/2020-11-20/tags/{resourceArn}", 200, &shape_UntagResourceRequest, &shape_UntagResourceResponse, NULL},
    {"UpdateDatasetEntries", "update-dataset-entries", "PATCH", "/2020-11-20/projects/{projectName}/datasets/{datasetType}/entries", 202, &shape_UpdateDatasetEntriesRequest, &shape_UpdateDatasetEntriesResponse, NULL},
};
const size_t cli_n_operations = sizeof cli_operations / sizeof cli_operations[0];

const cli_operation *cli_find_operation(const char *command)
{
    for (size_t i = 0; i < cli_n_operations; i++)
        if (strcmp(cli_operations[i].command, command) == 0)
            return &cli_operations[i];
    return NULL;
}

const cli_member *cli_find_member(const cli_shape *structure, const char *name)
{
    for (size_t i = 0; i < structure->n_members; i++)
        if (strcmp(structure->members[i].name, name) == 0)
            return &structure->members[i];
    return NULL;
}
