/** ProGet-compatible feed management shapes (spec §7). */
export interface Feed {
  name: string;
  feedType: 'asset';
  description: string;
  active: boolean;
  retentionRules: unknown[];
  retentionRulesEnabled: boolean;
  /** [ext] Runs of this directory only log what they would delete. */
  retentionDryRun: boolean;
}

export interface CreateFeedRequest {
  name: string;
  feedType: string;
  description?: string;
  active?: boolean;
  retentionRules?: unknown[];
  retentionRulesEnabled?: boolean;
  retentionDryRun?: boolean;
}

export type UpdateFeedRequest = Partial<Omit<CreateFeedRequest, 'feedType'>> & { feedType?: string };
