package files;
import java.io.*;
import javax.servlet.http.*;

public class PathGood1 extends HttpServlet {
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = request.getParameter("file");
        String safe = org.apache.commons.io.FilenameUtils.getName(name);
        File f = new File("/srv/reports/", safe);
        try (InputStream in = new FileInputStream(f)) {
            in.transferTo(response.getOutputStream());
        }
    }
}
