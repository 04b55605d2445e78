/** ProGet privilege attributes (spec §9). */
export enum Privilege {
  View = 'Feeds_ViewFeed',
  Download = 'Feeds_DownloadPackage',
  Add = 'Feeds_AddPackage',
  Overwrite = 'Feeds_OverwritePackage',
  Delete = 'Feeds_DeletePackage',
  /** [ext] Create share links (issue 18) to files and folders one may download; in Manage Feed and Administer. */
  ShareAsset = 'Feeds_ShareAsset',
  ManageFeed = 'Admin_ManageFeed',
  Administer = 'Admin_ConfigureProGet',
}
