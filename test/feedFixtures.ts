/**
 * SIS files for the tests of feeds (several files read as one run): a user with one barcode,
 * and a document of users. Plain strings, so the command-line, server and in-editor tests share them.
 */
export const feedUser = (id: string, barcode: string, extra = '') => `  <user>
    <primary_id>${id}</primary_id>
    <first_name>Jane</first_name>
    <last_name>Doe</last_name>
    <user_group>STAFF</user_group>${extra}
    <user_identifiers>
      <user_identifier>
        <id_type>BARCODE</id_type>
        <value>${barcode}</value>
      </user_identifier>
    </user_identifiers>
  </user>
`;

export const feedDoc = (...users: string[]) => `<?xml version="1.0" encoding="UTF-8"?>\n<users>\n${users.join('')}</users>\n`;
