import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { S3RVER_CREDENTIALS, startAzurite, startS3rver } from '@stockroom/storage/testing';

/** A cloud storage emulator for a test: S3 on s3rver, Azure Blob on Azurite. */
export interface CloudBackend {
  name: string;
  /** Starts the emulator, makes an empty bucket/container, answers the directory's storage settings. */
  start(): Promise<{ settings: { id: string; properties: Record<string, unknown> }; stop(): Promise<void> }>;
}

export const cloudBackends: CloudBackend[] = [
  {
    name: 'S3 (s3rver)',
    async start() {
      const s3 = await startS3rver();
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: S3RVER_CREDENTIALS,
      });
      await client.send(new CreateBucketCommand({ Bucket: 'assets' }));
      client.destroy();
      return {
        settings: {
          id: 's3',
          properties: {
            BucketName: 'assets',
            TargetPath: 'stockroom/',
            CustomServiceUrl: s3.endpoint,
            UsePathStyle: true,
            AccessKey: S3RVER_CREDENTIALS.accessKeyId,
            SecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey,
          },
        },
        stop: () => s3.stop(),
      };
    },
  },
  {
    name: 'Azure (Azurite)',
    async start() {
      const azurite = await startAzurite();
      await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('assets').create();
      return {
        settings: {
          id: 'azure',
          properties: { ConnectionString: azurite.connectionString, ContainerName: 'assets', TargetPath: 'stockroom' },
        },
        stop: () => azurite.stop(),
      };
    },
  },
];
