/** ProGet privilege attributes (spec §9). */
export enum Privilege {
  View = 'Feeds_ViewFeed',
  Download = 'Feeds_DownloadPackage',
  Add = 'Feeds_AddPackage',
  Overwrite = 'Feeds_OverwritePackage',
  Delete = 'Feeds_DeletePackage',
  ManageFeed = 'Admin_ManageFeed',
  Administer = 'Admin_ConfigureProGet',
}
