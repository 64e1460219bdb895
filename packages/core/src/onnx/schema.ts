/**
 * The subset of `onnx.proto` glassbox reads and writes, as protobufjs reflection JSON (proto2, as
 * `onnx.proto` is). `proto.ts` builds its codec from it and declares the matching TypeScript types.
 *
 * @module
 */

const field = (
  type: string,
  id: number,
  rule?: "repeated",
) => (rule ? { type, id, rule } : { type, id });

// Field numbers from onnx/onnx.proto (IR version 10). Fields glassbox has no use for (sparse tensors,
// training info, quantization annotations) are left out; protobufjs skips them when decoding.
const schema = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: field("string", 1), value: field("string", 2) } },
        TensorProto: {
          fields: {
            dims: field("int64", 1, "repeated"),
            data_type: field("int32", 2),
            float_data: field("float", 4, "repeated"),
            int32_data: field("int32", 5, "repeated"),
            string_data: field("bytes", 6, "repeated"),
            int64_data: field("int64", 7, "repeated"),
            name: field("string", 8),
            doc_string: field("string", 12),
            raw_data: field("bytes", 9),
            external_data: field("StringStringEntryProto", 13, "repeated"),
            data_location: field("int32", 14),
            double_data: field("double", 10, "repeated"),
            uint64_data: field("uint64", 11, "repeated"),
          },
        },
        TensorShapeProto: {
          fields: { dim: field("Dimension", 1, "repeated") },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ["dim_value", "dim_param"] } },
              fields: {
                dim_value: field("int64", 1),
                dim_param: field("string", 2),
                denotation: field("string", 3),
              },
            },
          },
        },
        TypeProto: {
          oneofs: {
            value: {
              oneof: [
                "tensor_type",
                "sequence_type",
                "map_type",
                "optional_type",
                "sparse_tensor_type",
              ],
            },
          },
          fields: {
            tensor_type: field("Tensor", 1),
            sequence_type: field("Sequence", 4),
            map_type: field("Map", 5),
            optional_type: field("Optional", 9),
            sparse_tensor_type: field("Tensor", 8),
            denotation: field("string", 6),
          },
          nested: {
            Tensor: {
              fields: { elem_type: field("int32", 1), shape: field("TensorShapeProto", 2) },
            },
            Sequence: { fields: { elem_type: field("TypeProto", 1) } },
            Map: { fields: { key_type: field("int32", 1), value_type: field("TypeProto", 2) } },
            Optional: { fields: { elem_type: field("TypeProto", 1) } },
          },
        },
        ValueInfoProto: {
          fields: {
            name: field("string", 1),
            type: field("TypeProto", 2),
            doc_string: field("string", 3),
          },
        },
        AttributeProto: {
          fields: {
            name: field("string", 1),
            ref_attr_name: field("string", 21),
            doc_string: field("string", 13),
            type: field("int32", 20),
            f: field("float", 2),
            i: field("int64", 3),
            s: field("bytes", 4),
            t: field("TensorProto", 5),
            g: field("GraphProto", 6),
            tp: field("TypeProto", 14),
            floats: field("float", 7, "repeated"),
            ints: field("int64", 8, "repeated"),
            strings: field("bytes", 9, "repeated"),
            tensors: field("TensorProto", 10, "repeated"),
            graphs: field("GraphProto", 11, "repeated"),
            type_protos: field("TypeProto", 15, "repeated"),
          },
        },
        NodeProto: {
          fields: {
            input: field("string", 1, "repeated"),
            output: field("string", 2, "repeated"),
            name: field("string", 3),
            op_type: field("string", 4),
            domain: field("string", 7),
            attribute: field("AttributeProto", 5, "repeated"),
            doc_string: field("string", 6),
          },
        },
        GraphProto: {
          fields: {
            node: field("NodeProto", 1, "repeated"),
            name: field("string", 2),
            initializer: field("TensorProto", 5, "repeated"),
            doc_string: field("string", 10),
            input: field("ValueInfoProto", 11, "repeated"),
            output: field("ValueInfoProto", 12, "repeated"),
            value_info: field("ValueInfoProto", 13, "repeated"),
          },
        },
        OperatorSetIdProto: { fields: { domain: field("string", 1), version: field("int64", 2) } },
        FunctionProto: {
          fields: {
            name: field("string", 1),
            input: field("string", 4, "repeated"),
            output: field("string", 5, "repeated"),
            attribute: field("string", 6, "repeated"),
            attribute_proto: field("AttributeProto", 11, "repeated"),
            node: field("NodeProto", 7, "repeated"),
            doc_string: field("string", 8),
            opset_import: field("OperatorSetIdProto", 9, "repeated"),
            domain: field("string", 10),
          },
        },
        ModelProto: {
          fields: {
            ir_version: field("int64", 1),
            opset_import: field("OperatorSetIdProto", 8, "repeated"),
            producer_name: field("string", 2),
            producer_version: field("string", 3),
            domain: field("string", 4),
            model_version: field("int64", 5),
            doc_string: field("string", 6),
            graph: field("GraphProto", 7),
            metadata_props: field("StringStringEntryProto", 14, "repeated"),
            functions: field("FunctionProto", 25, "repeated"),
          },
        },
      },
    },
  },
};

/** Marks every message as proto2, the syntax of onnx.proto: explicit presence, unpacked repeated fields. */
function proto2(node: Record<string, unknown>): Record<string, unknown> {
  if (node.fields) node.edition = "proto2";
  for (
    const child of Object.values((node.nested ?? {}) as Record<string, Record<string, unknown>>)
  ) proto2(child);
  return node;
}

/** The schema of package `onnx`, every message marked proto2. */
export const ONNX_SCHEMA: Record<string, unknown> = proto2(schema);
