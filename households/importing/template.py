"""The blank review workbook officers download: canonical headers, drop-downs, instructions in Vietnamese."""

import io

import xlsxwriter

from households.classification import StandardRules, format_vnd
from households.importing.columns import BASE_COLUMNS, INDICATOR_COLUMNS, Kind
from households.importing.example_row import EXAMPLE_MARKER

EXAMPLE = {
    "household_code": EXAMPLE_MARKER, "head_name": "Nguyễn Văn An", "id_number": "008123456789",
    "commune_code": "02146", "village": "Thôn Nà Làng", "area": "Nông thôn", "ethnicity": "Tày", "members": 4,
    "income_per_capita": 1200000, "declared_classification": "Hộ nghèo",
}
SKIPPED = {"commune_name"}  # accepted on upload, but the template asks for the code


def template_columns(standard: StandardRules) -> list:
    base = [column for column in BASE_COLUMNS if column.key not in SKIPPED]
    indicators = [column for column in INDICATOR_COLUMNS if column.key in standard.indicators]
    indicators.sort(key=lambda column: standard.indicators.index(column.key))
    tail_keys = {"declared_classification", "female_head", "has_disabled", "has_merit", "social_protection", "note"}
    head = [column for column in base if column.key not in tail_keys]
    tail = [column for column in base if column.key in tail_keys]
    return head + indicators + tail


def review_template_xlsx(*, standard: StandardRules, year: int) -> bytes:
    columns = template_columns(standard)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    title = workbook.add_format({"bold": True, "font_size": 13})
    header = workbook.add_format({
        "bold": True, "text_wrap": True, "valign": "vcenter", "align": "center", "border": 1, "bg_color": "#F4E3E3",
    })
    required = workbook.add_format({
        "bold": True, "text_wrap": True, "valign": "vcenter", "align": "center", "border": 1, "bg_color": "#F8C9C9",
    })
    text = workbook.add_format({"num_format": "@"})
    money = workbook.add_format({"num_format": "#,##0"})
    # The example row: grey, italic, its household code "VD"; the importer skips it (importing.example_row).
    example_text = workbook.add_format({"italic": True, "font_color": "#6C757D", "num_format": "@"})
    example_number = workbook.add_format({"italic": True, "font_color": "#6C757D", "num_format": "#,##0"})

    sheet = workbook.add_worksheet("Danh sách")
    sheet.write(0, 0, f"DANH SÁCH KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year}", title)
    sheet.write(1, 0, f"Chuẩn nghèo áp dụng: {standard.name} ({standard.legal_basis}). Cột tô đậm là bắt buộc. "
                      f"Dòng chữ nghiêng màu xám (mã hộ “{EXAMPLE_MARKER}”) là ví dụ, không được nhập: có thể để "
                      "nguyên hoặc xoá.")
    header_row, last_row = 3, 3 + 5000
    for index, column in enumerate(columns):
        is_required = column.required or column.is_indicator or column.key == "commune_code"
        sheet.write(header_row, index, column.header, required if is_required else header)
        width = 14 if column.is_indicator else max(12, min(32, len(column.header) + 2))
        cell_format = text if column.kind in (Kind.CODE, Kind.TEXT) else money if column.kind == Kind.MONEY else None
        sheet.set_column(index, index, width, cell_format)
        if column.kind == Kind.FLAG:
            sheet.data_validation(header_row + 1, index, last_row, index, {
                "validate": "list", "source": ["0", "1"],
                "error_title": "Giá trị không hợp lệ",
                "error_message": "Nhập 1 nếu có (thiếu hụt), 0 hoặc để trống nếu không.",
            })
        elif column.kind == Kind.AREA:
            sheet.data_validation(header_row + 1, index, last_row, index, {
                "validate": "list", "source": ["Nông thôn", "Thành thị"],
            })
        elif column.kind == Kind.CLASSIFICATION:
            sheet.data_validation(header_row + 1, index, last_row, index, {
                "validate": "list",
                "source": ["Hộ nghèo", "Hộ cận nghèo", "Hộ có mức sống trung bình", "Không nghèo"],
            })
        elif column.kind == Kind.INTEGER:
            sheet.data_validation(header_row + 1, index, last_row, index, {
                "validate": "integer", "criteria": "between", "minimum": 1, "maximum": 50,
                "error_message": "Số nhân khẩu từ 1 đến 50.",
            })
        elif column.kind == Kind.MONEY:
            sheet.data_validation(header_row + 1, index, last_row, index, {
                "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 100_000_000,
                "error_message": "Thu nhập bình quân đầu người/tháng, đồng, từ 0 đến 100.000.000.",
            })
        example = EXAMPLE.get(column.key, "")
        if column.kind == Kind.FLAG:
            example = 1 if column.key in ("employment", "nutrition", "sanitation") else 0
        sheet.write(header_row + 1, index, example,
                    example_number if isinstance(example, int) else example_text)
    sheet.set_row(header_row, 60)
    sheet.freeze_panes(header_row + 1, 2)

    guide = workbook.add_worksheet("Hướng dẫn")
    guide.set_column(0, 0, 42)
    guide.set_column(1, 1, 90)
    guide.write(0, 0, "Hướng dẫn điền mẫu rà soát", title)
    lines = [
        ("Một dòng", "một hộ. Giữ nguyên dòng tiêu đề; có thể thêm các dòng tiêu đề (tên đơn vị, tên biểu) phía trên."),
        ("Mã hộ", "văn bản, giữ nguyên số 0 ở đầu; không trùng trong cùng một tệp."),
        ("Dòng ví dụ", f"dòng chữ nghiêng màu xám, mã hộ “{EXAMPLE_MARKER}”, ngay dưới tiêu đề: hệ thống bỏ qua "
                       "dòng này khi nhập. Điền các hộ từ dòng tiếp theo."),
        ("Mã xã", "5 chữ số theo danh mục của Tổng cục Thống kê (ví dụ 02146); có thể thay bằng cột “Tên xã”."),
        ("Khu vực", "Thành thị hoặc Nông thôn; để trống thì lấy theo xã (phường, thị trấn là thành thị)."),
        ("Thu nhập", "bình quân đầu người/tháng, đồng: 1.500.000, 1500000 hoặc 1,5 triệu đều được."),
        ("Chỉ số thiếu hụt", "1, x hoặc “có” là thiếu hụt; 0, để trống hoặc “không” là không thiếu hụt."),
        ("Phân loại", "kết quả xã công nhận; hệ thống tự chấm lại theo chuẩn và báo những hộ khác nhau."),
        ("Chuẩn nghèo", f"{standard.name}: chuẩn thu nhập nông thôn {format_vnd(standard.income_line('rural'))} đ, "
                        f"thành thị {format_vnd(standard.income_line('urban'))} đ; hộ nghèo khi thu nhập không vượt "
                        f"chuẩn và thiếu hụt từ {standard.min_deprivations} chỉ số trở lên."),
        ("Tải lên", "Nhập dữ liệu → chọn tệp và năm rà soát. Tệp có lỗi sẽ không được nhập phần nào; hệ thống trả "
                    "lại bản sao có tô màu các ô lỗi kèm ghi chú."),
    ]
    for row, (label, explanation) in enumerate(lines, start=2):
        guide.write(row, 0, label, workbook.add_format({"bold": True}))
        guide.write(row, 1, explanation, workbook.add_format({"text_wrap": True}))
    indicator_row = len(lines) + 4
    guide.write(indicator_row - 1, 0, f"Chỉ số thiếu hụt của chuẩn {standard.code}", title)
    for offset, key in enumerate(standard.indicators):
        detail = standard.indicator(key)
        guide.write(indicator_row + offset, 0, detail.name)
        guide.write(indicator_row + offset, 1, detail.deprivation_condition,
                    workbook.add_format({"text_wrap": True}))
    workbook.close()
    return buffer.getvalue()
