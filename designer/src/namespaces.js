// Flowable and Activiti files in the designer.
//
// The properties panel reads and writes the Camunda descriptors (camunda-bpmn-moddle); Flowable
// and Activiti name the same attributes (assignee, candidateUsers, formKey, collection, async,
// field, ...) in their own namespaces. A file that uses one of them, and not Camunda's, is
// opened with that namespace's URI read as Camunda's, so the panel shows and edits its
// attributes, while the prefix stays the file's own (`flowable:assignee`): bpmn-moddle keeps
// the prefixes a file declares. Saving puts the original URI back, so the file stays a
// Flowable (or Activiti) file.

export const CAMUNDA = 'http://camunda.org/schema/1.0/bpmn';
export const VENDORS = ['http://flowable.org/bpmn', 'http://activiti.org/bpmn'];

const declaration = (uri) =>
  new RegExp(`(\\sxmlns:[A-Za-z_][\\w.-]*\\s*=\\s*)(["'])${uri.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\2`, 'g');

// Returns the XML the modeler opens and the URI to restore on save (null when none).
export function toCamunda(xml) {
  if (declaration(CAMUNDA).test(xml)) {
    return { xml, vendor: null };
  }
  for (const uri of VENDORS) {
    if (declaration(uri).test(xml)) {
      return { xml: xml.replace(declaration(uri), `$1$2${CAMUNDA}$2`), vendor: uri };
    }
  }
  return { xml, vendor: null };
}

// The saved XML with the vendor's URI back on the declarations that carried it.
export function fromCamunda(xml, vendor) {
  if (!vendor) {
    return xml;
  }
  return xml.replace(declaration(CAMUNDA), `$1$2${vendor}$2`);
}
