package org.tend.bench;

import java.io.IOException;
import javax.servlet.ServletException;
import javax.servlet.annotation.WebServlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.tend.bench.helpers.DbHelper;
import org.tend.bench.helpers.DirHelper;
import org.tend.bench.helpers.LdapHelper;

@WebServlet(value = "/xpathi/JBench186")
public class JBench186 extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    public void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        doPost(request, response);
    }

    @Override
    public void doPost(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        response.setContentType("text/html;charset=UTF-8");
        String param = "";
        boolean flag = true;
        java.util.Enumeration<String> names = request.getParameterNames();
        while (names.hasMoreElements() && flag) {
            String name = (String) names.nextElement();
            String[] values = request.getParameterValues(name);
            if (values != null) {
                for (int i = 0; i < values.length && flag; i++) {
                    String value = values[i];
                    if (value.equals("JBkey")) {
                        param = name;
                        flag = false;
                    }
                }
            }
        }

        String[] parts = {"safe", param, "other"};
        String bar = parts[1];

        try {
            javax.xml.parsers.DocumentBuilderFactory dbf = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            javax.xml.parsers.DocumentBuilder builder = dbf.newDocumentBuilder();
            org.w3c.dom.Document xmlDocument = builder.parse(new org.xml.sax.InputSource(new java.io.StringReader("<Employees/>")));
            javax.xml.xpath.XPathFactory xpf = javax.xml.xpath.XPathFactory.newInstance();
            javax.xml.xpath.XPath xp = xpf.newXPath();
            String expression = "/Employees/Employee[@name='" + bar + "']/id";
            String result = (String) xp.evaluate(expression, xmlDocument, javax.xml.xpath.XPathConstants.STRING);
            response.getWriter().println("id: " + result);
        } catch (javax.xml.xpath.XPathExpressionException | javax.xml.parsers.ParserConfigurationException
                | org.xml.sax.SAXException e) {
            throw new ServletException(e);
        }
    }
}
